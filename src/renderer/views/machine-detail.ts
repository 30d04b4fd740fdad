import uPlot from 'uplot';
import type { JobOutcome } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { LABEL, type MachineView, type SleepGap, stateOf } from '../dashboard.ts';
import { dataTable, el, notice } from '../dom.ts';
import type { GaugeHistory } from '../gauge-history.ts';
import { CommandsPanel } from './commands-panel.ts';

const OUTCOME: Record<JobOutcome, string> = {
  finished: 'finished',
  failed: 'failed (machine error)',
  cancelled: 'cancelled on the machine',
  stopped: 'stopped before the end',
  replaced: 'ended (another job started)',
};

const COLOURS = ['#0b5cad', '#b3261e', '#1d6f42', '#8a5a00', '#6b3fa0', '#4b5563'];

/**
 * One machine: its state and job, every gauge, a live chart of the gauges (uPlot), its recent
 * captures and where each is in its sync, its recent warnings and errors, and its remote commands
 * (confirmed or refused here when they wait for the operator).
 */
export class MachineDetailView {
  readonly element: HTMLElement;
  private readonly summary = el('div');
  private readonly chartBox = el('div', {
    class: 'chart',
    role: 'img',
    'aria-label': 'Gauges over the last minutes',
  });
  private chart: uPlot | undefined;
  private readonly jobs = el('div');
  /** Echo's sleeps, in the history: a gap, not the machine's downtime. */
  private readonly asleep = el('div');
  private asleepKey = '';
  private runningProgress: HTMLTableCellElement | undefined;
  /** The job and state last shown: the history is read again when they change. */
  private jobKey: string | undefined;
  private chartLabels = '';
  private readonly commands: CommandsPanel;

  constructor(
    private readonly token: string,
    private readonly name: string,
    private readonly history: GaugeHistory,
  ) {
    const captures = el('div');
    const problems = el('div');
    this.commands = new CommandsPanel(token, name);
    this.element = el(
      'section',
      { 'aria-labelledby': 'detail-title' },
      el('p', {}, el('a', { href: '#/' }, '← All machines')),
      el('h2', { id: 'detail-title' }, name),
      this.summary,
      el('h3', {}, 'Gauges'),
      this.chartBox,
      el('h3', {}, 'Job history'),
      this.jobs,
      this.asleep,
      el('h3', {}, 'Recent captures'),
      captures,
      el('h3', {}, 'Recent warnings and errors'),
      problems,
      el('h3', {}, 'Commands'),
      this.commands.element,
    );
    void this.loadCaptures(captures);
    void this.loadProblems(problems);
  }

  private removable: HTMLElement | undefined;

  /**
   * `asleep`: Echo's sleeps from the status (the same for every machine), newest first;
   * `commands`: the status's word on open commands (the list is read again when it changes).
   */
  update(machine: MachineView | undefined, asleep: readonly SleepGap[] = [], commands = ''): void {
    this.commands.refresh(commands);
    if (machine?.origin === 'ui' && !this.removable) {
      const edit = el('a', { href: `#/machine/${encodeURIComponent(this.name)}/edit` }, 'Edit this machine');
      const remove = el('button', { type: 'button', class: 'secondary' }, 'Remove this machine');
      remove.addEventListener('click', async () => {
        if (!confirm(`Stop collecting ${this.name} and forget its settings?`)) return;
        await api(this.token).call('removeMachine', { params: { name: this.name } });
        location.hash = '#/';
      });
      this.removable = el('p', {}, edit, ' ', remove);
      this.element.append(
        el('h3', {}, 'Settings'),
        el('p', { class: 'meta' }, 'Added in this app.'),
        this.removable,
      );
    } else if (machine && machine.origin !== 'ui' && !this.removable) {
      const where = machine.origin === 'cloud' ? 'the cloud (its modeler)' : 'the configuration file';
      this.removable = el('p', { class: 'meta' }, `Defined in ${where}: change or remove it there.`);
      this.element.append(el('h3', {}, 'Settings'), this.removable);
    }
    const jobKey = `${machine ? stateOf(machine) : ''}\u0000${machine?.live?.snapshot.job?.name ?? ''}`;
    if (jobKey !== this.jobKey) {
      this.jobKey = jobKey;
      void this.loadJobs().catch((error: Error) =>
        this.jobs.replaceChildren(notice(`Job history unavailable: ${error.message}`, 'problem')),
      );
    }
    this.showAsleep(asleep);
    const progress = machine?.live?.snapshot.job?.progress;
    if (this.runningProgress && progress !== undefined) {
      this.runningProgress.textContent = `${Math.round(progress)} %`;
    }
    if (!machine) {
      this.summary.replaceChildren(notice('This machine is not known to the agent (any more).', 'problem'));
      return;
    }
    const snapshot = machine.live?.snapshot;
    const state = stateOf(machine);
    const job = snapshot?.job;
    this.summary.replaceChildren(
      el(
        'p',
        {},
        el('span', { class: 'badge', 'data-state': state }, LABEL[state] ?? state),
        ` ${machine.collector}`,
      ),
      ...(job
        ? [
            el(
              'p',
              {},
              `Job ${job.name}${job.progress !== undefined ? ` · ${job.progress.toFixed(1)} %` : ''}`,
            ),
          ]
        : []),
      ...(snapshot?.errors.length ? [notice(snapshot.errors.join('; '), 'problem')] : []),
      ...(machine.history
        ? [
            el(
              'p',
              { class: 'history' },
              `Past jobs: ${machine.history.running ? 'collecting now' : `last collected ${machine.history.lastRunAt ? new Date(machine.history.lastRunAt).toLocaleString() : 'not yet'}`}` +
                ` · ${machine.history.collectedThisRun} in the last run · ${historyMarks(machine.history)}`,
            ),
            ...(machine.history.lastError
              ? [notice(`Past jobs: ${machine.history.lastError}`, 'problem')]
              : []),
          ]
        : []),
      el(
        'table',
        { class: 'gauges-table' },
        el('caption', { class: 'visually-hidden' }, 'Current gauges'),
        el(
          'tbody',
          {},
          ...(snapshot?.gauges ?? []).map((g) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, g.name.replace(/_/g, ' ')),
              el(
                'td',
                {},
                `${Math.round(g.value * 10) / 10} ${g.unit}${g.target !== undefined ? ` (target ${g.target})` : ''}`,
              ),
            ),
          ),
        ),
      ),
    );
    this.drawChart();
  }

  /** "Echo was asleep from … to …": the machine was not polled then, it was not down. */
  private showAsleep(gaps: readonly SleepGap[]): void {
    const key = gaps.map((g) => g.from).join();
    if (key === this.asleepKey) return;
    this.asleepKey = key;
    const when = (iso: string) => new Date(iso).toLocaleString();
    this.asleep.replaceChildren(
      ...(gaps.length === 0
        ? []
        : [
            el(
              'ul',
              { class: 'asleep', 'aria-label': 'Gaps in the history' },
              ...gaps.map((g) =>
                el(
                  'li',
                  {},
                  `Echo was asleep from ${when(g.from)} to ${when(g.to)} (${g.seconds} s): the machine was not polled then; this is not machine downtime.`,
                ),
              ),
            ),
          ]),
    );
  }

  private drawChart(): void {
    const series = this.history.of(this.name);
    if (!series || series.labels.length === 0) return;
    const labels = series.labels.join('|');
    if (!this.chart || labels !== this.chartLabels) {
      this.chart?.destroy();
      this.chartLabels = labels;
      this.chart = new uPlot(
        {
          width: Math.min(900, this.element.clientWidth || 900),
          height: 260,
          series: [
            {},
            ...series.labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length]!, width: 2 })),
          ],
          axes: [{}, {}],
        },
        series.data as uPlot.AlignedData,
        this.chartBox,
      );
    } else {
      this.chart.setData(series.data as uPlot.AlignedData);
    }
  }

  private async loadCaptures(box: HTMLElement): Promise<void> {
    const rows = await api(this.token).call('machineCaptures', {
      params: { name: this.name },
      query: { limit: '20' },
    });
    box.replaceChildren(
      rows.length === 0
        ? el('p', {}, 'No capture yet.')
        : dataTable(
            'Recent captures',
            ['Taken', 'Type', 'Sync', 'Problem'],
            rows.map((r) => [
              new Date(r.capturedAt).toLocaleTimeString(),
              r.captureTypeName,
              r.state,
              r.lastError ?? '',
            ]),
          ),
    );
  }

  /** The jobs Echo saw on this machine, newest first. */
  private async loadJobs(): Promise<void> {
    const jobs = await api(this.token).call('machineJobs', {
      params: { name: this.name },
      query: { limit: '20' },
    });
    const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '');
    const table =
      jobs.length === 0
        ? undefined
        : dataTable(
            'Job history',
            ['Job', 'Started', 'Ended', 'Outcome', 'Progress', 'Known from'],
            jobs.map((j) => [
              j.name,
              when(j.startedAt),
              when(j.endedAt),
              j.outcome ? OUTCOME[j.outcome] : j.endedAt ? 'ended' : 'running',
              j.progress !== undefined ? `${Math.round(j.progress)} %` : '',
              j.source === 'machine' ? 'the machine’s history' : 'seen by Echo',
            ]),
          );
    // The running job's progress follows the live status (the list is read when jobs change).
    const running = jobs.findIndex((j) => j.endedAt === undefined && j.source === 'seen');
    this.runningProgress = running >= 0 ? table?.tBodies[0]?.rows[running]?.cells[4] : undefined;
    this.jobs.replaceChildren(table ?? el('p', {}, 'No job seen yet.'));
  }

  private async loadProblems(box: HTMLElement): Promise<void> {
    const entries = (
      await Promise.all(
        ['WARN', 'ERROR', 'CRITICAL'].map((level) =>
          api(this.token).call('logs', { query: { limit: '20', machine: this.name, level } }),
        ),
      )
    )
      .flat()
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
      .slice(0, 20);
    box.replaceChildren(
      entries.length === 0
        ? el('p', {}, 'Nothing to report.')
        : el(
            'ul',
            {},
            ...entries.map((e) =>
              el('li', {}, `${new Date(e.timestamp).toLocaleString()} ${e.level}: ${e.message}`),
            ),
          ),
    );
  }
}

/** How far the past jobs reached, stored and confirmed: said in words when there is none yet. */
function historyMarks(history: { watermark?: string; cloudWatermark?: string }): string {
  if (history.watermark === undefined) return 'none stored yet';
  return `stored up to ${history.watermark}, ${history.cloudWatermark === undefined ? 'none confirmed by the cloud yet' : `confirmed up to ${history.cloudWatermark}`}`;
}

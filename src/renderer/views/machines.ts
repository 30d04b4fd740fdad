import {
  LABEL,
  type MachineView,
  matches,
  metaText,
  renderTile,
  STATES,
  tileKey,
  tileText,
} from '../dashboard.ts';
import { el } from '../dom.ts';

/** The dashboard: a tile per machine, filter by state, search. Re-rendered on every event. */
export class MachinesView {
  private filter = 'all';
  private readonly search = el('input', {
    id: 'search',
    type: 'search',
    placeholder: 'Search machines, jobs',
    autocomplete: 'off',
  });
  private readonly filters = el('div', { class: 'filters' });
  private readonly tiles = el('ul', { class: 'tiles' });
  private readonly empty = el('p', { class: 'empty', hidden: '' }, 'No machine matches.');
  private machines: MachineView[] = [];
  /** The tile of each machine and what it was drawn from: unchanged machines are not redrawn. */
  private readonly drawn = new Map<string, { tile: HTMLLIElement; key: string; source: MachineView }>();
  readonly element: HTMLElement;

  constructor() {
    this.search.addEventListener('input', () => this.render());
    this.element = el(
      'section',
      { 'aria-labelledby': 'machines-title' },
      el(
        'div',
        { class: 'toolbar' },
        el('h2', { id: 'machines-title' }, 'Machines'),
        el(
          'label',
          { class: 'search' },
          el('span', { class: 'visually-hidden' }, 'Search machines'),
          this.search,
        ),
        el(
          'fieldset',
          { class: 'filters-box' },
          el('legend', { class: 'visually-hidden' }, 'Filter by state'),
          this.filters,
        ),
      ),
      this.empty,
      this.tiles,
    );
    this.renderFilters();
  }

  update(machines: MachineView[]): void {
    this.machines = machines;
    this.render();
  }

  private renderFilters(): void {
    this.filters.replaceChildren(
      ...STATES.map((state) => {
        const button = el(
          'button',
          { type: 'button', 'aria-pressed': String(state === this.filter) },
          state === 'all' ? 'All' : (LABEL[state] ?? state),
        );
        button.addEventListener('click', () => {
          this.filter = state;
          this.renderFilters();
          this.render();
        });
        return button;
      }),
    );
  }

  /**
   * Redraws only the tiles whose content changed (with 500 machines updating every second a
   * full redraw costs a frame of 100 ms), and touches the list only when what is shown changed.
   */
  private render(): void {
    const now = Date.now();
    const shown = this.machines.filter((m) => matches(m, this.filter, this.search.value));
    const tiles: HTMLLIElement[] = [];
    for (const machine of shown) {
      // "seen 3 s ago" changes every second for every machine: it is kept out of the key and its
      // text alone is updated in place.
      const previous = this.drawn.get(machine.name);
      // The same object as last time (the event stream's deltas keep unchanged machines): only
      // "seen … ago" can differ. Otherwise compare what the tile would display.
      const text = previous?.source === machine ? undefined : tileText(machine);
      const key = text ? tileKey(machine, text) : previous?.key;
      if (previous && previous.key === key) {
        previous.source = machine;
        const meta = previous.tile.children[1];
        const seen = metaText(machine, now);
        if (meta && meta.textContent !== seen) meta.textContent = seen;
        tiles.push(previous.tile);
        continue;
      }
      const tile = renderTile(machine, now, text);
      if (previous) previous.tile.replaceWith(tile);
      this.drawn.set(machine.name, { tile, key: key ?? '', source: machine });
      tiles.push(tile);
    }
    const current = this.tiles.children;
    const same = current.length === tiles.length && tiles.every((tile, i) => current[i] === tile);
    if (!same) this.tiles.replaceChildren(...tiles);
    this.empty.hidden = shown.length > 0;
  }
}

import { type ByteLink, openSerialLink, openTcpLink } from '../sdk/byte-link.ts';
import type { Collector, CollectorContext, ConnectionTest, PollResult } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import type { HaasConnection } from './config.ts';
import { type HaasReadings, toSnapshot, withLastKnown } from './map.ts';
import { answerValue, macroValue, parseQ500, QCommandClient } from './protocol.ts';

/**
 * A Haas NGC control through Q-commands, over RS-232 or the Ethernet Q-command port: identity
 * (Q100 serial, Q101 software, Q102 model) on connect; mode (Q104), program/status/parts (Q500),
 * last cycle time (Q303) and the configured macro variables (Q600) each poll.
 */
export class HaasCollector implements Collector {
  private link: ByteLink | undefined;
  private client: QCommandClient | undefined;
  private identity: { serial: string; software: string; model: string } | undefined;
  private readonly where: string;
  /** The program and part count of the last `PROGRAM, …` answer, for `STATUS, BUSY`. */
  private last: { program?: string; parts?: number } = {};
  /** The Q600 codes whose answer did not parse, already logged (once per code). */
  private readonly unreadable = new Set<string>();

  constructor(
    private readonly connection: HaasConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.where =
      connection.transport === 'serial' ? connection.serial!.path : `${connection.host}:${connection.port}`;
  }

  async connect(signal: AbortSignal): Promise<void> {
    const c = this.connection;
    this.link =
      c.transport === 'serial'
        ? await openSerialLink(
            {
              path: c.serial!.path,
              baudRate: c.serial!.baud_rate,
              dataBits: c.serial!.data_bits,
              parity: c.serial!.parity,
              stopBits: c.serial!.stop_bits,
            },
            signal,
          )
        : await openTcpLink(c.host!, c.port, signal);
    this.client = new QCommandClient(this.link, this.where);
    const ask = (code: string) => this.ask(code, signal);
    this.identity = {
      serial: await ask('Q100'),
      software: await ask('Q101'),
      model: await ask('Q102'),
    };
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const lost = this.link?.lost();
    if (lost) throw lost;
    if (!this.client || !this.identity)
      throw new CollectorError('unreachable', `${this.where}: not connected`);
    const raw: Record<string, string> = {};
    const ask = async (code: string) => {
      const answer = await this.client!.ask(code, signal);
      raw[code] = answer;
      return answer;
    };
    const q500 = withLastKnown(parseQ500(await ask('Q500')), this.last);
    this.last = { program: q500.program, parts: q500.parts };
    const mode = answerValue(await ask('Q104'), this.where, 'Q104');
    const lastCycle = answerValue(await ask('Q303'), this.where, 'Q303');
    const macros: HaasReadings['macros'] = [];
    for (const macro of this.connection.macros) {
      const code = `Q600 ${macro.variable}`;
      const answer = await ask(code);
      answerValue(answer, this.where, code); // UNKNOWN/INVALID: the protocol error
      const value = macroValue(answer);
      if (value !== undefined) macros.push({ name: macro.name, value, unit: macro.unit });
      else if (!this.unreadable.has(code)) {
        // The gauge is left out, said once per macro (every poll would flood the log).
        this.unreadable.add(code);
        this.ctx.logger.warn(
          { command: code, answer: answer.slice(0, 80), gauge: macro.name },
          `?${code} answered "${answer.slice(0, 80)}", not a number: the gauge ${macro.name} is left out`,
        );
      }
    }
    const readings: HaasReadings = {
      ...this.identity,
      mode,
      status: q500.status,
      program: q500.program,
      parts: q500.parts,
      lastCycle,
      macros,
    };
    return {
      snapshot: toSnapshot(readings),
      captures: [
        {
          captureTypeName: 'haas.modeler.status',
          content: JSON.stringify({
            identity: this.identity,
            answers: raw,
            transport: this.connection.transport,
          }),
          contentType: 'application/json',
          meta: { source: 'haas-q-commands', serial: this.identity.serial, model: this.identity.model },
          dedupeKey: 'status',
          significant: JSON.stringify([q500.status, q500.program, q500.parts, mode]),
        },
      ],
    };
  }

  async close(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    this.client = undefined;
    await link?.close();
  }

  async testConnection(signal: AbortSignal): Promise<ConnectionTest> {
    try {
      await this.connect(signal);
      const id = this.identity!;
      return {
        ok: true,
        message: `Haas ${id.model} (serial ${id.serial}, software ${id.software}) answered over ${this.connection.transport}`,
        details: { ...id },
      };
    } catch (error) {
      if (!(error instanceof CollectorError)) throw error;
      return { ok: false, message: error.message, details: { failure: error.failure } };
    } finally {
      await this.close();
    }
  }

  private async ask(code: string, signal: AbortSignal): Promise<string> {
    return answerValue(await this.client!.ask(code, signal), this.where, code);
  }
}

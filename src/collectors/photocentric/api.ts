import type { z } from 'zod';
import type { CollectorContext } from '../sdk/collector.ts';
import { CollectorError } from '../sdk/collector-error.ts';
import { getJson, httpPools, parseJsonReply } from '../sdk/http-json.ts';
import { basicAuth, httpSend, type SendBody } from '../sdk/http-send.ts';
import type { PhotocentricConnection } from './config.ts';
import { type MachineResponse, machineResponse } from './protocol.ts';

/**
 * Photonic3D's REST API at `<scheme>://<host>:<port>/services`: GETs through the SDK (keep-alive,
 * bounded, failures as `CollectorError` kinds), writes through `httpSend`; HTTP Basic when the
 * machine has credentials (a host with Photonic3D's security turned on).
 */
export class PhotonicApi {
  readonly base: string;

  constructor(
    connection: PhotocentricConnection,
    private readonly ctx: CollectorContext,
  ) {
    this.base = `${connection.scheme}://${connection.host}:${connection.port}/services`;
  }

  get<T extends z.ZodType>(
    path: string,
    schema: T,
    signal: AbortSignal,
    emptyOn: readonly number[] = [],
  ): Promise<z.infer<T> | undefined> {
    return getJson(`${this.base}${path}`, schema, {
      signal,
      pools: httpPools(this.ctx.shared),
      maxBodyBytes: this.ctx.limits.maxMessageBytes,
      headers: basicAuth(this.ctx.credentials),
      emptyOn,
    });
  }

  async send(method: 'GET' | 'POST', path: string, signal: AbortSignal, body?: SendBody) {
    const url = `${this.base}${path}`;
    const reply = await httpSend(method, url, {
      signal,
      pools: httpPools(this.ctx.shared),
      headers: basicAuth(this.ctx.credentials),
      maxBodyBytes: this.ctx.limits.maxMessageBytes,
      ...(body ? { body } : {}),
    });
    return { ...reply, url };
  }

  /**
   * A command answered with a MachineResponse (`{command, response, message}`): `response: false`
   * is the host refusing it, with its words.
   */
  async command(path: string, signal: AbortSignal): Promise<MachineResponse> {
    const { status, text, url } = await this.send('GET', path, signal);
    const answer = parseJsonReply(url, status, text, machineResponse)!;
    if (!answer.response) {
      throw new CollectorError(
        'protocol',
        `${url}: Photonic3D refused it: ${(answer.message ?? 'no reason given').slice(0, 300)}`,
      );
    }
    return answer;
  }
}

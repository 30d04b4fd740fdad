import { randomBytes, randomUUID } from 'node:crypto';

export interface EmulatorUser {
  uuid: string;
  username: string;
  password: string;
  name: string;
}

/** An API token: its secret, the user it acts as, and the name the agent gave it. */
export interface TokenRecord {
  secret: string;
  user: EmulatorUser;
  name: string;
}

/** Who may call the emulator: its users, their login sessions, and the API tokens issued to them. */
export class IdentityStore {
  readonly users = new Map<string, EmulatorUser>();
  readonly sessions = new Map<string, EmulatorUser>();
  readonly tokens = new Map<string, TokenRecord>();

  constructor(users: ReadonlyArray<{ username: string; password: string }>) {
    for (const user of users) {
      const record = {
        uuid: randomUUID(),
        username: user.username,
        password: user.password,
        name: user.username,
      };
      this.users.set(user.username, record);
    }
  }

  issueToken(user: EmulatorUser, name: string, fixed?: { uuid: string; secret: string }) {
    const token = fixed ?? { uuid: randomUUID(), secret: randomBytes(24).toString('hex') };
    this.tokens.set(token.uuid, { secret: token.secret, user, name });
    return { uuid: token.uuid, secret: token.secret, name, user_uuid: user.uuid };
  }
}

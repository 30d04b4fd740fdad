import type { SyncStatus } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { el, notice } from '../dom.ts';

/** Sign in (password or LDAP, per the contract) and sign out; what Echo does while signed out. */
export function accountView(token: string, auth: SyncStatus['auth']): HTMLElement {
  const section = el('section', { 'aria-labelledby': 'account-title' });
  const heading = el('h2', { id: 'account-title' }, 'Account');

  const signedIn = (message?: string) => {
    const signOut = el('button', { type: 'button' }, 'Sign out');
    signOut.addEventListener('click', async () => {
      await api(token).call('signOut');
      signedOut();
    });
    section.replaceChildren(
      heading,
      ...(message ? [notice(message, 'ok')] : []),
      el('p', {}, 'Echo is signed in to the cloud and sends what it collects.'),
      signOut,
    );
  };

  const signedOut = () => {
    const form = el('form', { class: 'form', 'aria-describedby': 'signed-out-help' });
    const username = el('input', {
      id: 'username',
      name: 'username',
      autocomplete: 'username',
      required: '',
    });
    const password = el('input', {
      id: 'password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: '',
    });
    const ldap = el('input', { id: 'ldap', name: 'ldap', type: 'checkbox' });
    const result = el('div');
    form.append(
      el('label', { for: 'username' }, 'User name'),
      username,
      el('label', { for: 'password' }, 'Password'),
      password,
      el('label', { class: 'inline', for: 'ldap' }, ldap, ' Company (LDAP) account'),
      el('button', { type: 'submit' }, 'Sign in'),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api(token).call('signIn', {
          body: {
            username: username.value,
            password: password.value,
            logon_type: ldap.checked ? 'ldap' : 'password',
          },
        });
        signedIn('Signed in. The data kept while signed out is being sent now.');
      } catch (error) {
        result.replaceChildren(notice(`Sign-in failed: ${(error as Error).message}`, 'problem'));
      } finally {
        password.value = '';
      }
    });
    section.replaceChildren(
      heading,
      el(
        'p',
        { id: 'signed-out-help' },
        'Echo is signed out. It keeps collecting and stores everything locally; it is sent once you sign in. The password is used once to get an access token and is never stored.',
      ),
      form,
      tokenForm(),
      result,
    );
  };

  /** "Use an API token": for an account whose token was made in the cloud (no password here). */
  const tokenForm = () => {
    const form = el('form', { class: 'form' });
    const uuid = el('input', { id: 'token-uuid', name: 'token-uuid', autocomplete: 'off', required: '' });
    const secret = el('input', {
      id: 'token-secret',
      name: 'token-secret',
      type: 'password',
      autocomplete: 'off',
      required: '',
    });
    const result = el('div', { 'aria-live': 'polite' });
    form.append(
      el('label', { for: 'token-uuid' }, 'Token ID'),
      uuid,
      el('label', { for: 'token-secret' }, 'Token secret'),
      secret,
      el('button', { type: 'submit' }, 'Use this token'),
      result,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api(token).call('signIn', { body: { api_token: { uuid: uuid.value, secret: secret.value } } });
        signedIn('Signed in with the API token. The data kept while signed out is being sent now.');
      } catch (error) {
        result.replaceChildren(notice(`Token not accepted: ${(error as Error).message}`, 'problem'));
      } finally {
        secret.value = '';
      }
    });
    return el(
      'details',
      {},
      el('summary', {}, 'Use an API token instead'),
      el(
        'p',
        {},
        'A token made for this workstation in the cloud (its ID and secret). It is checked with the cloud, then kept in the secret store.',
      ),
      form,
    );
  };

  if (auth === 'signed_in') signedIn();
  else signedOut();
  return section;
}

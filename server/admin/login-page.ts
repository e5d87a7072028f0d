/**
 * The sign-in page: the admin token, or name and password when
 * ADMIN_USERNAME / ADMIN_PASSWORD are set (the token still works then).
 */
import { html } from 'hono/html';
import { adminPage, type Markup } from './layout.ts';

export interface LoginPageInput {
  siteName: string;
  /** Offer name and password besides the token. */
  withPassword: boolean;
  /** Where to go after signing in (an /admin path). */
  next: string;
  error?: string | undefined;
  /** A note such as "You are logged out." */
  info?: string | undefined;
  username?: string | undefined;
}

export function loginPage(input: LoginPageInput): Markup {
  const error = input.error ? html`<div class="notice notice-error" role="alert" id="login-error"><p>${input.error}</p></div>` : '';
  const info = input.info ? html`<div class="notice notice-success" role="status"><p>${input.info}</p></div>` : '';
  const described = input.error ? 'login-error' : undefined;
  const token = html`<div class="field">
  <label for="token">Admin token</label>
  <input type="password" id="token" name="token" autocomplete="current-password" spellcheck="false" ${input.withPassword ? '' : html`required autofocus`} aria-describedby="${described ?? 'token-hint'}">
  <p class="hint" id="token-hint">The ADMIN_TOKEN the server was started with.</p>
</div>`;
  const body = input.withPassword
    ? html`<div class="field">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" value="${input.username ?? ''}" autofocus ${described ? html`aria-describedby="${described}"` : ''}>
</div>
<div class="field">
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password">
</div>
<details><summary>Sign in with the admin token instead</summary>${token}</details>`
    : token;
  return adminPage(
    { siteName: input.siteName, title: 'Log in', narrow: true },
    html`<div class="card login">
${info}${error}
<form method="post" action="/admin/login">
<input type="hidden" name="next" value="${input.next}">
${body}
<button type="submit" class="primary">Log in</button>
</form>
</div>`,
  );
}

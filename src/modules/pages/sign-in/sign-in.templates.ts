/** The sign-in pages: identifier + password, then the second factor for a user with MFA. */
export const SIGN_IN_TEMPLATES = {
  'sign-in': `<% layout('@layout') %>
<% if (it.clientName) { %><p id="signin-client">to continue to <strong><%= it.clientName %></strong></p><% } %>
<form method="post" action="<%= it.action %>" id="signin-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="field">
<label for="identifier">Email or username</label>
<input id="identifier" name="identifier" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="320" value="<%= it.identifier %>"<% if (it.errors.length > 0) { %> aria-describedby="error-summary"<% } %>>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
</div>
<button type="submit" id="signin-submit">Sign in</button>
</form>
<p class="links"><a id="forgot-password-link" href="/forgot-password">Forgot your password?</a></p>
`,
  'second-factor': `<% layout('@layout') %>
<p>Your account has two-step verification. Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
<form method="post" action="<%= it.action %>" id="second-factor-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<input type="hidden" name="mfa_token" value="<%= it.mfaToken %>">
<div class="field">
<label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="6" aria-describedby="code-hint">
<p class="hint" id="code-hint">6 digits, for example 123456</p>
</div>
<div class="field">
<label for="recovery_code">Or a recovery code</label>
<input id="recovery_code" name="recovery_code" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="64">
</div>
<button type="submit" id="second-factor-submit">Verify</button>
</form>
`,
};

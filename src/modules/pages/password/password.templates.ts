/** Reset (from the mailed link) and the request for a link. */
export const PASSWORD_TEMPLATES = {
  'reset-password': `<% layout('@layout') %>
<form method="post" action="/reset-password" id="reset-password-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<input type="hidden" name="token" value="<%= it.token %>">
<div class="field">
<label for="new_password">New password</label>
<p class="hint" id="new_password-hint"><%= it.policyHint %></p>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" required maxlength="1024" aria-describedby="new_password-hint">
</div>
<div class="field">
<label for="confirm_password">Repeat the new password</label>
<input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required maxlength="1024">
</div>
<button type="submit" id="reset-password-submit">Set the new password</button>
</form>
`,
  'forgot-password': `<% layout('@layout') %>
<p>Enter the email address of your account. If it has one, we mail it a link to set a new password.</p>
<form method="post" action="/forgot-password" id="forgot-password-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="field">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="320">
</div>
<button type="submit" id="forgot-password-submit">Send the link</button>
</form>
`,
};

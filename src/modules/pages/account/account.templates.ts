/** The account page and the steps of MFA enrolment. */
export const ACCOUNT_TEMPLATES = {
  account: `<% layout('@layout') %>
<section aria-labelledby="profile-title">
<h2 id="profile-title">Profile</h2>
<dl class="facts">
<dt>Email</dt><dd id="profile-email"><%= it.user.email %> <span class="badge"><%= it.user.isVerified ? 'verified' : 'not verified' %></span></dd>
<% if (!it.user.isVerified) { %>
<dt>Verification</dt><dd>
<form method="post" action="/account/verify-email" class="inline" id="resend-verification-form">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<button type="submit" class="secondary" id="resend-verification-submit">Mail me a new verification link</button>
</form>
</dd>
<% } %>
<dt>Name</dt><dd id="profile-name-value"><%= it.user.name %></dd>
<dt>Username</dt><dd id="profile-username-value"><%= it.user.username ?? '—' %></dd>
</dl>
<form method="post" action="/account/profile" id="profile-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="field">
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="name" required maxlength="100" value="<%= it.user.name %>">
</div>
<div class="field">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="32" value="<%= it.user.username ?? '' %>">
</div>
<button type="submit" id="profile-submit">Save the profile</button>
</form>
</section>

<section aria-labelledby="sessions-title">
<h2 id="sessions-title">Signed-in devices</h2>
<table id="sessions-table">
<caption class="visually-hidden">Your sessions</caption>
<thead><tr><th scope="col">Device</th><th scope="col" class="nowrap">Address</th><th scope="col" class="nowrap">Signed in</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
<% for (const s of it.sessions) { %>
<tr id="session-<%= s.id %>">
<td class="device"><%= s.user_agent ?? 'unknown device' %><% if (s.current) { %> <span class="badge">this device</span><% } %></td>
<td class="nowrap"><%= s.ip_address ?? '—' %></td>
<td class="nowrap"><time datetime="<%= s.created_at %>"><%= s.created_at.slice(0, 16).replace('T', ' ') %> UTC</time></td>
<td class="nowrap">
<form method="post" action="/account/sessions/revoke" class="inline">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<input type="hidden" name="session_id" value="<%= s.id %>">
<button type="submit" class="secondary" id="revoke-<%= s.id %>" aria-label="Sign out <%= s.current ? 'this device' : 'the session of ' + (s.user_agent ?? 'an unknown device') %>">Sign out</button>
</form>
</td>
</tr>
<% } %>
</tbody>
</table>
</section>

<section aria-labelledby="mfa-title">
<h2 id="mfa-title">Two-step verification</h2>
<% if (it.user.mfaEnabled) { %>
<p id="mfa-status">On: signing in asks for a code from your authenticator app.</p>
<% } else { %>
<p id="mfa-status">Off. Add an authenticator app so a stolen password is not enough to sign in.</p>
<form method="post" action="/account/mfa/setup" id="mfa-setup-form">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<button type="submit" id="mfa-setup-submit">Set up two-step verification</button>
</form>
<% } %>
</section>

<section aria-labelledby="password-title">
<h2 id="password-title">Change the password</h2>
<p>Your other devices are signed out; this one stays signed in.</p>
<form method="post" action="/account/password" id="password-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="field">
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024">
</div>
<div class="field">
<label for="new_password">New password</label>
<p class="hint" id="new_password-hint"><%= it.policyHint %></p>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" required maxlength="1024" aria-describedby="new_password-hint">
</div>
<% if (it.user.mfaEnabled) { %>
<div class="field">
<label for="password-code">Code from your authenticator app</label>
<input id="password-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6">
</div>
<% } %>
<button type="submit" id="password-submit">Change the password</button>
</form>
</section>

<section aria-labelledby="signout-title">
<h2 id="signout-title">Sign out</h2>
<form method="post" action="/account/signout" id="signout-form">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<button type="submit" class="secondary" id="signout-submit">Sign out</button>
</form>
</section>
`,
  'mfa-setup': `<% layout('@layout') %>
<ol>
<li>Open your authenticator app and scan this code.</li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
<figure>
<img id="mfa-qr" src="<%= it.qrDataUri %>" alt="QR code of the authenticator setup; the key is written below" width="200" height="200">
<figcaption>Cannot scan it? Enter this key: <code id="mfa-secret"><%= it.secret %></code></figcaption>
</figure>
<form method="post" action="/account/mfa/confirm" id="mfa-confirm-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="field">
<label for="mfa-code">Code from your authenticator app</label>
<input id="mfa-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="6">
</div>
<button type="submit" id="mfa-confirm-submit">Turn on two-step verification</button>
</form>
<p><a href="/account" id="account-link">Back to the account</a></p>
`,
  'mfa-confirm': `<% layout('@layout') %>
<form method="post" action="/account/mfa/confirm" id="mfa-confirm-form" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="field">
<label for="mfa-code">Code from your authenticator app</label>
<input id="mfa-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="6">
</div>
<button type="submit" id="mfa-confirm-submit">Turn on two-step verification</button>
</form>
<form method="post" action="/account/mfa/setup" id="mfa-setup-form">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<button type="submit" class="secondary" id="mfa-setup-submit">Start again with a new QR code</button>
</form>
`,
  'recovery-codes': `<% layout('@layout') %>
<p>Two-step verification is on. Keep these recovery codes somewhere safe: each one signs you in once if you lose your phone. They are shown only now.</p>
<ul id="recovery-codes" class="codes">
<% for (const code of it.codes) { %><li><code><%= code %></code></li>
<% } %>
</ul>
<p><a href="/account" id="account-link">Back to the account</a></p>
`,
};

/**
 * The page the mailed verification link opens: the address is confirmed by the button (a
 * POST), never by the GET, so a mail scanner that follows links does not spend the token.
 */
export const EMAIL_TEMPLATES = {
  'verify-email': `<% layout('@layout') %>
<p>Confirm that this email address belongs to you.</p>
<form method="post" action="/verify-email" id="verify-email-form">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<input type="hidden" name="token" value="<%= it.token %>">
<button type="submit" id="verify-email-submit">Confirm my email address</button>
</form>
`,
};

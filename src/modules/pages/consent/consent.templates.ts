/** The consent page a third-party client's sign-in shows (first-party clients skip it). */
export const CONSENT_TEMPLATES = {
  consent: `<% layout('@layout') %>
<p id="consent-client"><strong><%= it.clientName %></strong> asks to:</p>
<ul id="consent-scopes">
<% for (const scope of it.scopes) { %><li><%= scope.description %> <span class="hint">(<code><%= scope.name %></code>)</span></li>
<% } %>
</ul>
<form method="post" action="<%= it.action %>" id="consent-form">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="actions">
<button type="submit" name="decision" value="allow" id="consent-allow">Allow</button>
<button type="submit" name="decision" value="deny" id="consent-deny" class="secondary">Deny</button>
</div>
</form>
`,
};

/**
 * The layout and the shared pages (message, error), as Eta templates: `<%= %>` escapes (the
 * default, autoEscape on), `<%~ %>` is raw and only ever used for `it.body`, the page the
 * layout wraps, itself rendered with escaping. Templates live in TypeScript so the build
 * (tsc) ships them with no copy step and no file reads at run time.
 */
export const LAYOUT_TEMPLATES = {
  layout: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title><%= it.title %> · <%= it.siteName %></title>
<link rel="stylesheet" href="<%= it.cssHref %>">
</head>
<body>
<a class="skip-link" href="#main">Skip to the main content</a>
<header class="site-header"><p class="site-name"><%= it.siteName %></p></header>
<main id="main" tabindex="-1">
<h1 id="page-title"><%= it.title %></h1>
<% if (it.errors.length > 0) { %>
<div class="error-summary" id="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">There is a problem</h2>
<ul>
<% for (const error of it.errors) { %>
<li><% if (error.field) { %><a href="#<%= error.field %>"><%= error.message %></a><% } else { %><%= error.message %><% } %></li>
<% } %>
</ul>
</div>
<% } %>
<% if (it.notice) { %><p class="notice" id="notice" role="status"><%= it.notice %></p><% } %>
<%~ it.body %>
</main>
</body>
</html>
`,
  message: `<% layout('@layout') %>
<p id="message"><%= it.message %></p>
<% if (it.link) { %><p><a id="message-link" href="<%= it.link.href %>"><%= it.link.text %></a></p><% } %>
`,
  error: `<% layout('@layout') %>
<p id="error-message"><%= it.message %></p>
<p class="hint">Error <%= it.status %><% if (it.requestId) { %>, reference <code><%= it.requestId %></code><% } %>.</p>
<% if (it.link) { %><p><a id="error-link" href="<%= it.link.href %>"><%= it.link.text %></a></p><% } %>
`,
};

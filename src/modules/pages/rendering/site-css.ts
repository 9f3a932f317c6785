/**
 * The one stylesheet of the hosted pages, served from the app (/pages/assets/site.css,
 * cacheable): system fonts, high contrast, a visible focus ring, no script, no web font.
 */
export const SITE_CSS = `:root {
  color-scheme: light;
  --text: #1b1b1b;
  --muted: #505050;
  --accent: #1d4ed8;
  --accent-dark: #1e3a8a;
  --error: #b91c1c;
  --border: #8a8a8a;
  --surface: #f5f5f5;
  --focus: #fbbf24;
}
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 100%; line-height: 1.5; color: var(--text); background: #fff; }
body { margin: 0; }
.skip-link { position: absolute; left: -9999px; top: 0; padding: .5rem 1rem; background: var(--focus); color: #000; }
.skip-link:focus { left: 0; }
.site-header { border-bottom: 4px solid var(--accent); padding: .75rem 1.5rem; }
.site-name { margin: 0; font-weight: 700; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem; }
main:focus { outline: none; }
h1 { font-size: 1.75rem; margin: .5rem 0 1.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; }
a { color: var(--accent); }
a:hover { color: var(--accent-dark); }
.field { margin: 0 0 1.25rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.hint { color: var(--muted); margin: 0 0 .25rem; font-size: .9rem; }
input[type="text"], input[type="email"], input[type="password"] {
  width: 100%; font: inherit; padding: .5rem .625rem; border: 2px solid var(--border); border-radius: 4px; background: #fff; color: var(--text);
}
button {
  font: inherit; font-weight: 600; padding: .55rem 1.1rem; border: 2px solid var(--accent); border-radius: 4px;
  background: var(--accent); color: #fff; cursor: pointer;
}
button:hover { background: var(--accent-dark); border-color: var(--accent-dark); }
button.secondary { background: #fff; color: var(--accent); }
button.secondary:hover { background: var(--surface); }
a:focus-visible, button:focus-visible, input:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 5px #000;
}
.error-summary { border: 4px solid var(--error); padding: 1rem 1.25rem; margin: 0 0 1.5rem; }
.error-summary h2 { margin-top: 0; color: var(--error); }
.error-summary a { color: var(--error); font-weight: 600; }
.notice { border-left: 6px solid var(--accent); background: var(--surface); padding: .75rem 1rem; }
.actions { display: flex; gap: 1rem; flex-wrap: wrap; }
.links { margin-top: 1.5rem; }
.badge { display: inline-block; font-size: .8rem; padding: 0 .4rem; border: 1px solid var(--border); border-radius: 3px; color: var(--muted); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .5rem .25rem; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
form.inline { margin: 0; }
.nowrap { white-space: nowrap; }
td.device { font-size: .875rem; max-width: 22rem; }
.codes { columns: 2; font-size: 1.1rem; }
code { font-family: ui-monospace, "Cascadia Mono", Menlo, monospace; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

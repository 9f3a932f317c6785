/**
 * What a mail logged without SMTP_URL shows of its links: origin and path, never the query
 * or fragment, where the one-time tokens live. LOG_MAIL_LINKS=true (refused in production)
 * shows them whole for local development (docs/decisions.md, "Metrics port and logs").
 */
const LINK = /\bhttps?:\/\/[^\s<>"']+/g;

export function linksHidden(text: string): string {
  return text.replace(LINK, (link) => {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return '[link hidden]';
    }
    const hidden = url.search !== '' || url.hash !== '';
    return `${url.origin}${url.pathname}${hidden ? '?[hidden: LOG_MAIL_LINKS=true shows it]' : ''}`;
  });
}

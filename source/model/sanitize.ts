// Text from files (a scenario's name, a module label, a log line) reaches terminals; it must
// never carry control characters or escape sequences there.
// eslint-disable-next-line no-control-regex
const control = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

export function safeText(text: string): string {
	return text.replace(control, '\uFFFD');
}

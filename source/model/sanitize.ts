// Text from files (a scenario's name, a module label, a log line) reaches terminals; it must
// never carry control characters or escape sequences there. Every place that prints such text
// shows one line of it, so tabs and newlines go too: a newline in a name could forge an output line.
// (The schema already does this to every text field of a state or scenario file as it is read;
// this is the same rule at the output, for text that did not come through the schema.)
const control = /[\u0000-\u001F\u007F-\u009F]/g;

export function safeText(text: string): string {
	return text.replace(control, '\uFFFD');
}

// The detail view's text: everything known about one region, slot or stretch of the log, whole.
// Pure: the snapshot in, lines out (the component wraps them).
import type {Snapshot} from '../machine/snapshot.js';
import {formatSize} from '../model/units.js';
import {filterRegions, formatBytes} from './rows.js';
import type {Detail, UiState} from './ui-state.js';

export type DetailText = {title: string; lines: string[]};

/** Log lines that are about `subject` ("region 3", "slot 2"), newest last; the word boundary keeps region 3 from matching 30. */
function about(log: readonly string[], subject: string): string[] {
	const pattern = new RegExp(`\\b${subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
	return log.filter(line => pattern.test(line));
}

export function detailText(detail: Detail, ui: UiState, snapshot: Snapshot): DetailText {
	switch (detail.pane) {
		case 'regions': {
			const region = filterRegions(snapshot.regions, ui.filter)[detail.index];
			if (!region) {
				return {title: 'Region', lines: ['That row is gone: the list changed since.']};
			}

			const real = snapshot.kind !== 'simulated';
			const name = real ? `Range ${region.id}` : `Region ${region.id}`;
			const lines = [
				`${real ? 'first block' : 'ID'} ${region.id} · start ${region.start} · size ${formatSize(region.size)} (${region.size} bytes)`,
				`${real ? 'state' : 'FLAGS'} ${region.flags} · STATUS ${region.status}${region.slot === null ? '' : ` · slot ${region.slot}`}`,
			];
			if (region.detail) {
				lines.push(region.detail);
			}

			if (region.reason) {
				lines.push(`Why${region.code ? ` (${region.code})` : ''}: ${region.reason}`);
				lines.push(region.retry ? 'A retry can help.' : 'No retry can help: this needs another fix than waiting.');
			}

			if (snapshot.kind === 'simulated' && region.needBytes !== null) {
				const {freeBytes, watermarkBytes} = snapshot.resources.lowmem;
				const need = region.needBytes + watermarkBytes;
				const short = need - freeBytes;
				lines.push(
					`Its mem_map needs ${formatBytes(region.needBytes)} of lowmem, above the ${formatBytes(watermarkBytes)} watermark: ${formatBytes(need)}; free now ${formatBytes(freeBytes)}${short > 0 ? `, ${formatBytes(short)} short` : ', enough'}.`,
				);
			}

			const slot = snapshot.kind === 'sysfs' ? undefined : snapshot.slots.find(candidate => candidate.slot === region.slot);
			if (slot?.label) {
				lines.push(`Module label: ${slot.label}`);
			}

			const log = about(snapshot.log, real ? `block ${region.id}` : `region ${region.id}`);
			return {title: name, lines: [...lines, '', log.length > 0 ? 'In the log:' : 'Nothing about it in the log.', ...log]};
		}

		case 'slots': {
			if (snapshot.kind === 'sysfs') {
				const node = snapshot.sysfs.nodes[detail.index];
				if (!node) {
					return {title: 'Node', lines: ['That row is gone: the list changed since.']};
				}

				const size = (blocks: number) => formatBytes(blocks * snapshot.sysfs.blockSizeBytes);
				return {
					title: node.node === null ? 'No NUMA node' : `Node ${node.node}`,
					lines: [
						`${size(node.online)} online (${node.online} blocks) · ${size(node.offline)} offline (${node.offline}) · ${node.other} other`,
					],
				};
			}

			const slot = snapshot.slots[detail.index];
			if (!slot) {
				return {title: 'Slot', lines: ['That row is gone: the list changed since.']};
			}

			// A module whose region failed is not "ready", whatever the controller says of the slot.
			const failed = snapshot.regions.find(region => region.id === slot.regionId)?.status === 'FAILED';
			const lines = [
				`Slot ${slot.slot}: ${failed ? 'its region FAILED' : slot.state}${slot.size ? ` · ${slot.size} ${slot.mode}` : ''}${slot.regionId === null ? '' : ` · region ${slot.regionId}`}`,
				...(slot.label ? [`Module label: ${slot.label}`] : []),
				...(slot.scrubLeft === null ? [] : [`Scrubbing: ${slot.scrubLeft} s left.`]),
				slot.unplugRefusal ? `Unplug: refused, ${slot.unplugRefusal}` : 'Unplug: allowed (asked first).',
			];
			const log = about(snapshot.log, `slot ${slot.slot}`);
			return {title: `Slot ${slot.slot}`, lines: [...lines, '', log.length > 0 ? 'In the log:' : 'Nothing about it in the log.', ...log]};
		}

		case 'log': {
			return {title: `Log from line ${detail.index + 1} of ${snapshot.log.length}`, lines: snapshot.log.slice(detail.index)};
		}
	}
}

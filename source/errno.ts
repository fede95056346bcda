// Linux errno names and what each means, in one line: for the state file's messages (store/) and
// for what the kernel answered a write to a memory block (sysfs/). Node names only the errnos
// libuv knows; a write to sysfs can get others (EHWPOISON, say), which Node reports as code
// 'UNKNOWN' with only the number: the table names them. Plain data, no Node import: the words do
// not change with the Node version, and --status loads nothing for them.

/**
 * Linux's errno table (asm-generic/errno-base.h and errno.h), 1 to 133. Where libuv has words for
 * an errno, they are libuv's (what ham-tui showed before), but for the state file's few clearer
 * ones; the rest are the kernel's comments, lower-cased.
 */
const linuxErrnos: ReadonlyArray<readonly [number, string, string]> = [
	[1, 'EPERM', 'operation not permitted'],
	[2, 'ENOENT', 'no such file or directory'],
	[3, 'ESRCH', 'no such process'],
	[4, 'EINTR', 'interrupted system call'],
	[5, 'EIO', 'input/output error'],
	[6, 'ENXIO', 'no such device or address'],
	[7, 'E2BIG', 'argument list too long'],
	[8, 'ENOEXEC', 'exec format error'],
	[9, 'EBADF', 'bad file descriptor'],
	[10, 'ECHILD', 'no child processes'],
	[11, 'EAGAIN', 'resource temporarily unavailable'],
	[12, 'ENOMEM', 'not enough memory'],
	[13, 'EACCES', 'permission denied'],
	[14, 'EFAULT', 'bad address in system call argument'],
	[15, 'ENOTBLK', 'block device required'],
	[16, 'EBUSY', 'resource busy or locked'],
	[17, 'EEXIST', 'file already exists'],
	[18, 'EXDEV', 'cross-device link not permitted'],
	[19, 'ENODEV', 'no such device'],
	[20, 'ENOTDIR', 'a part of the path is not a directory'],
	[21, 'EISDIR', 'is a directory'],
	[22, 'EINVAL', 'invalid argument'],
	[23, 'ENFILE', 'file table overflow'],
	[24, 'EMFILE', 'too many open files'],
	[25, 'ENOTTY', 'inappropriate ioctl for device'],
	[26, 'ETXTBSY', 'text file is busy'],
	[27, 'EFBIG', 'file too large'],
	[28, 'ENOSPC', 'no space left on the device'],
	[29, 'ESPIPE', 'invalid seek'],
	[30, 'EROFS', 'read-only file system'],
	[31, 'EMLINK', 'too many links'],
	[32, 'EPIPE', 'broken pipe'],
	[33, 'EDOM', 'math argument out of domain of function'],
	[34, 'ERANGE', 'result too large'],
	[35, 'EDEADLK', 'resource deadlock would occur'],
	[36, 'ENAMETOOLONG', 'name too long'],
	[37, 'ENOLCK', 'no record locks available'],
	[38, 'ENOSYS', 'function not implemented'],
	[39, 'ENOTEMPTY', 'directory not empty'],
	[40, 'ELOOP', 'too many symbolic links'],
	// 41 is unused (EWOULDBLOCK is EAGAIN).
	[42, 'ENOMSG', 'no message of desired type'],
	[43, 'EIDRM', 'identifier removed'],
	[44, 'ECHRNG', 'channel number out of range'],
	[45, 'EL2NSYNC', 'level 2 not synchronized'],
	[46, 'EL3HLT', 'level 3 halted'],
	[47, 'EL3RST', 'level 3 reset'],
	[48, 'ELNRNG', 'link number out of range'],
	[49, 'EUNATCH', 'protocol driver not attached'],
	[50, 'ENOCSI', 'no CSI structure available'],
	[51, 'EL2HLT', 'level 2 halted'],
	[52, 'EBADE', 'invalid exchange'],
	[53, 'EBADR', 'invalid request descriptor'],
	[54, 'EXFULL', 'exchange full'],
	[55, 'ENOANO', 'no anode'],
	[56, 'EBADRQC', 'invalid request code'],
	[57, 'EBADSLT', 'invalid slot'],
	// 58 is unused (EDEADLOCK is EDEADLK).
	[59, 'EBFONT', 'bad font file format'],
	[60, 'ENOSTR', 'device not a stream'],
	[61, 'ENODATA', 'no data available'],
	[62, 'ETIME', 'timer expired'],
	[63, 'ENOSR', 'out of streams resources'],
	[64, 'ENONET', 'machine is not on the network'],
	[65, 'ENOPKG', 'package not installed'],
	[66, 'EREMOTE', 'object is remote'],
	[67, 'ENOLINK', 'link has been severed'],
	[68, 'EADV', 'advertise error'],
	[69, 'ESRMNT', 'srmount error'],
	[70, 'ECOMM', 'communication error on send'],
	[71, 'EPROTO', 'protocol error'],
	[72, 'EMULTIHOP', 'multihop attempted'],
	[73, 'EDOTDOT', 'RFS specific error'],
	[74, 'EBADMSG', 'not a data message'],
	[75, 'EOVERFLOW', 'value too large for defined data type'],
	[76, 'ENOTUNIQ', 'name not unique on network'],
	[77, 'EBADFD', 'file descriptor in bad state'],
	[78, 'EREMCHG', 'remote address changed'],
	[79, 'ELIBACC', 'cannot access a needed shared library'],
	[80, 'ELIBBAD', 'accessing a corrupted shared library'],
	[81, 'ELIBSCN', '.lib section in a.out corrupted'],
	[82, 'ELIBMAX', 'attempting to link in too many shared libraries'],
	[83, 'ELIBEXEC', 'cannot exec a shared library directly'],
	[84, 'EILSEQ', 'illegal byte sequence'],
	[85, 'ERESTART', 'interrupted system call should be restarted'],
	[86, 'ESTRPIPE', 'streams pipe error'],
	[87, 'EUSERS', 'too many users'],
	[88, 'ENOTSOCK', 'socket operation on non-socket'],
	[89, 'EDESTADDRREQ', 'destination address required'],
	[90, 'EMSGSIZE', 'message too long'],
	[91, 'EPROTOTYPE', 'protocol wrong type for socket'],
	[92, 'ENOPROTOOPT', 'protocol not available'],
	[93, 'EPROTONOSUPPORT', 'protocol not supported'],
	[94, 'ESOCKTNOSUPPORT', 'socket type not supported'],
	[95, 'EOPNOTSUPP', 'operation not supported'],
	[96, 'EPFNOSUPPORT', 'protocol family not supported'],
	[97, 'EAFNOSUPPORT', 'address family not supported'],
	[98, 'EADDRINUSE', 'address already in use'],
	[99, 'EADDRNOTAVAIL', 'address not available'],
	[100, 'ENETDOWN', 'network is down'],
	[101, 'ENETUNREACH', 'network is unreachable'],
	[102, 'ENETRESET', 'network dropped connection because of reset'],
	[103, 'ECONNABORTED', 'software caused connection abort'],
	[104, 'ECONNRESET', 'connection reset by peer'],
	[105, 'ENOBUFS', 'no buffer space available'],
	[106, 'EISCONN', 'socket is already connected'],
	[107, 'ENOTCONN', 'socket is not connected'],
	[108, 'ESHUTDOWN', 'cannot send after transport endpoint shutdown'],
	[109, 'ETOOMANYREFS', 'too many references: cannot splice'],
	[110, 'ETIMEDOUT', 'connection timed out'],
	[111, 'ECONNREFUSED', 'connection refused'],
	[112, 'EHOSTDOWN', 'host is down'],
	[113, 'EHOSTUNREACH', 'host is unreachable'],
	[114, 'EALREADY', 'connection already in progress'],
	[115, 'EINPROGRESS', 'operation now in progress'],
	[116, 'ESTALE', 'stale file handle'],
	[117, 'EUCLEAN', 'structure needs cleaning'],
	[118, 'ENOTNAM', 'not a XENIX named type file'],
	[119, 'ENAVAIL', 'no XENIX semaphores available'],
	[120, 'EISNAM', 'is a named type file'],
	[121, 'EREMOTEIO', 'remote I/O error'],
	[122, 'EDQUOT', 'disk quota exceeded'],
	[123, 'ENOMEDIUM', 'no medium found'],
	[124, 'EMEDIUMTYPE', 'wrong medium type'],
	[125, 'ECANCELED', 'operation canceled'],
	[126, 'ENOKEY', 'required key not available'],
	[127, 'EKEYEXPIRED', 'key has expired'],
	[128, 'EKEYREVOKED', 'key has been revoked'],
	[129, 'EKEYREJECTED', 'key was rejected by service'],
	[130, 'EOWNERDEAD', 'owner died'],
	[131, 'ENOTRECOVERABLE', 'state not recoverable'],
	[132, 'ERFKILL', 'operation not possible due to RF-kill'],
	[133, 'EHWPOISON', 'memory page has hardware error'],
];

/** Second names Linux gives some errnos (Node uses ENOTSUP for 95). */
const aliases: ReadonlyArray<readonly [string, string]> = [
	['EWOULDBLOCK', 'EAGAIN'],
	['EDEADLOCK', 'EDEADLK'],
	['ENOTSUP', 'EOPNOTSUPP'],
];

let tables: {names: Map<number, string>; meanings: Map<string, string>} | undefined;

/** Built on first use: a one-shot that meets no error never pays for the maps. */
function lookup(): NonNullable<typeof tables> {
	if (!tables) {
		const meanings = new Map(linuxErrnos.map(([, name, meaning]) => [name, meaning]));
		for (const [alias, name] of aliases) {
			const meaning = meanings.get(name);
			if (meaning !== undefined) {
				meanings.set(alias, meaning);
			}
		}

		tables = {names: new Map(linuxErrnos.map(([number, name]) => [number, name])), meanings};
	}

	return tables;
}

/**
 * The errno name of a failed call: its `code`, or, when Node has no name for it (code 'UNKNOWN'
 * or none), Linux's name for its `errno` (Node's is negative: -133 is EHWPOISON). A code that is
 * no errno (an OddFile's reason) is passed on as it is. Undefined when the error carries neither.
 */
export function errnoName(error: unknown): string | undefined {
	const object = typeof error === 'object' && error !== null ? error : undefined;
	const code = object && 'code' in object ? object.code : undefined;
	const errno = object && 'errno' in object ? object.errno : undefined;
	const known = typeof code === 'string' && code !== '' && code !== 'UNKNOWN' ? code : undefined;
	const named = typeof errno === 'number' ? lookup().names.get(Math.abs(errno)) : undefined;
	return known ?? named ?? (typeof code === 'string' && code !== '' ? code : undefined);
}

/** What an errno name means, in one line ("resource busy or locked"); undefined for a name Linux does not have. */
export function errnoText(code: string): string | undefined {
	return lookup().meanings.get(code);
}

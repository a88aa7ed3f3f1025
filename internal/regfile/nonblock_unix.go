//go:build unix

package regfile

import "syscall"

// nonBlock makes the open of a FIFO return at once instead of waiting for
// a writer (Open refuses it right after); a regular file ignores it.
const nonBlock = syscall.O_NONBLOCK

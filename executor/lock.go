package executor

import "errors"

// LockFile is the name of the lock file Lock creates in the state directory.
const LockFile = "encimport.lock"

// ErrLocked is returned by Lock when another run holds the state directory.
var ErrLocked = errors.New("another encimport run holds the lock")

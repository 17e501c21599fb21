//go:build unix

package auth

import (
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock on the directory dir, waiting for
// other holders, and returns the function that releases it. Locking the
// directory rather than the file keeps the lock valid across the rename that
// replaces the file, and needs no lock file that could be left behind.
func lockDir(dir string) (unlock func(), err error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock directory: %w", err)
	}
	for {
		err = syscall.Flock(int(d.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("lock directory %s: %w", dir, err)
	}
	// Closing the descriptor releases the lock.
	return func() { d.Close() }, nil
}

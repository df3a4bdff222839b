package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interruption turns SIGINT, SIGTERM and SIGHUP (the jump host's SSH
// session dropped) into the gate's two ways of stopping an action: the
// first asks it to finish the current step and stop (Stop is closed); a
// second stops at once (the context is cancelled). Either way the action
// records what it did, and the command exits 128 + the first signal's
// number, as shells do.
type interruption struct {
	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{}

	mu    sync.Mutex
	first os.Signal
	sigs  chan os.Signal
	done  chan struct{}
}

// interruptible watches for the signals until release is called. soft
// names what the first signal does, for the line it prints.
func interruptible(parent context.Context, errOut io.Writer, soft string) *interruption {
	ctx, cancel := context.WithCancel(parent)
	in := &interruption{ctx: ctx, cancel: cancel, stop: make(chan struct{}),
		sigs: make(chan os.Signal, 2), done: make(chan struct{})}
	signal.Notify(in.sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		for {
			select {
			case sig := <-in.sigs:
				in.mu.Lock()
				first := in.first == nil
				if first {
					in.first = sig
				}
				in.mu.Unlock()
				if first {
					fmt.Fprintf(errOut, "\nbosun: %s: %s (again to stop at once)\n", sig, soft)
					close(in.stop)
					continue
				}
				fmt.Fprintf(errOut, "\nbosun: %s again: stopping at once\n", sig)
				cancel()
			case <-in.done:
				return
			}
		}
	}()
	return in
}

// release stops watching for signals.
func (in *interruption) release() {
	signal.Stop(in.sigs)
	close(in.done)
	in.cancel()
}

// exitCode is 128 + the first signal's number, 0 when none came.
func (in *interruption) exitCode() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if s, ok := in.first.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 0
}

// interrupted wraps an action's error when a signal stopped it: the exit
// code says which signal, the message what became of the action.
func (in *interruption) interrupted(err error) error {
	code := in.exitCode()
	if code == 0 {
		return err
	}
	msg := "interrupted"
	if err != nil {
		msg = "interrupted: " + oneLine(err.Error())
	}
	return exitError{code, msg}
}

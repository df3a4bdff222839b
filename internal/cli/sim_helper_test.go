package cli

import (
	"testing"
	"time"

	"bosun/sim"
)

// startSim runs a simulated foundation on loopback until the test ends.
func startSim(t *testing.T, o sim.Options) *sim.Foundation {
	t.Helper()
	o.Listen = "127.0.0.1:0"
	if o.TaskTime == 0 {
		o.TaskTime = 20 * time.Millisecond
	}
	f, err := sim.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

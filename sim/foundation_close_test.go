package sim

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestCloseStopsEverything(t *testing.T) {
	f, err := Start(Options{Listen: "127.0.0.1:0", Workers: 2, TaskTime: time.Hour, Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	auth := adminToken(t, f)
	var ids []int
	for _, d := range f.content.clusters {
		ids = append(ids, startTask(t, f, auth, "/deployments/"+d.Name+"/vms?format=full", nil))
	}
	waitState(t, f, ids[1], stateProcessing)
	waiting := make(chan error, 1)
	go func() {
		_, err := f.WaitTask(context.Background(), ids[3], stateDone)
		waiting <- err
	}()
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-waiting; !errors.Is(err, ErrClosed) {
		t.Errorf("WaitTask across Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "bosun/sim.(*Foundation)") || strings.Contains(g, "net/http.(*Server).Serve") {
			t.Errorf("goroutine left after Close:\n%s", g)
		}
	}
	c := rawClient(t, f)
	c.Timeout = 5 * time.Second
	if _, err := c.Get(f.DirectorURL() + "/info"); err == nil {
		t.Error("the director still answers after Close")
	}
}

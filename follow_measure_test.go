package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

// TestMeasureTaskFollow measures following a task: the delay from the
// director writing an event to the follower printing it, and the requests
// per minute while following an idle task, for `bosun task N` and, when
// BOSH_CLI names a bosh CLI binary, `bosh task N` against the same
// simulator. It takes about five minutes, so it runs only when asked:
//
//	BOSUN_MEASURE_FOLLOW=1 BOSH_CLI=/path/to/bosh go test -run TestMeasureTaskFollow -v .
func TestMeasureTaskFollow(t *testing.T) {
	if os.Getenv("BOSUN_MEASURE_FOLLOW") == "" {
		t.Skip("set BOSUN_MEASURE_FOLLOW=1 (and BOSH_CLI) to measure")
	}
	boshCLI := os.Getenv("BOSH_CLI")
	f := startSim(t, sim.Options{TaskTime: 2 * time.Minute})
	e := newEnv(t)
	e.pointAt(f)

	// Latency: a cloud-check scan writes an event every 30 s for 2 minutes.
	// A watcher polling every 10 ms notes when each event line appears.
	c := simBoshClient(f)
	ctx, stop := context.WithCancel(context.Background())
	ids := make(chan int, 1)
	go c.ScanProblems(ctx, pksDeployment(t, f), func(ev bosh.TaskEvent) {
		select {
		case ids <- ev.TaskID:
		default:
		}
	})
	id := <-ids
	stop() // the task goes on; only this client stops waiting
	var wg sync.WaitGroup
	var watched []time.Time
	wg.Add(1)
	go func() {
		defer wg.Done()
		simBoshClient(f).FollowTask(context.Background(), id, bosh.OutputEvent, func(b []byte) {
			now := time.Now()
			for _, ch := range b {
				if ch == '\n' {
					watched = append(watched, now)
				}
			}
		}, bosh.FollowOptions{FastStep: 10 * time.Millisecond, IdleStep: 10 * time.Millisecond})
	}()
	followers := map[string][]string{"bosun": {bosunBin, "task", fmt.Sprint(id), "--event"}}
	if boshCLI != "" {
		followers["bosh"] = []string{boshCLI, "task", fmt.Sprint(id), "--event"}
	}
	arrivals := map[string][]time.Time{}
	var mu sync.Mutex
	for name, argv := range followers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			times := lineTimes(t, e, argv)
			mu.Lock()
			arrivals[name] = times
			mu.Unlock()
		}()
	}
	wg.Wait()
	for name, times := range arrivals {
		var lat []time.Duration
		for i := range min(len(times), len(watched)) {
			if i == 0 {
				continue // the first lines were written before anyone followed
			}
			lat = append(lat, times[i].Sub(watched[i]))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		if len(lat) == 0 {
			t.Fatalf("%s: no event lines (%d) to compare with the watcher's %d", name, len(times), len(watched))
		}
		t.Logf("%s: event-to-screen latency over %d events: median %v, max %v", name, len(lat),
			lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}

	// Requests while following the idle upgrade (an event every 100 s),
	// one follower at a time, for a minute each.
	bg, err := c.Tasks(context.Background(), bosh.TasksFilter{})
	if err != nil || len(bg) == 0 {
		t.Fatalf("no running task to follow: %v", err)
	}
	for _, name := range []string{"bosun", "bosh"} {
		bin := bosunBin
		if name == "bosh" {
			if boshCLI == "" {
				continue
			}
			bin = boshCLI
		}
		before := f.Stats().Requests
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(cctx, bin, "task", fmt.Sprint(bg[0].ID), "--event")
		cmd.Env = e.environ()
		cmd.Run()
		cancel()
		after := f.Stats().Requests
		state := after["GET /tasks/:id"] - before["GET /tasks/:id"]
		out := after["GET /tasks/:id/output"] - before["GET /tasks/:id/output"]
		t.Logf("%s: following an idle task for 1 minute: %d requests (%d task state, %d output)", name, state+out, state, out)
	}
}

// lineTimes runs argv and notes when each line of its output arrives.
func lineTimes(t *testing.T, e *env, argv []string) []time.Time {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = e.environ()
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Error(err)
		return nil
	}
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return nil
	}
	var times []time.Time
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "{") {
			times = append(times, time.Now())
		}
	}
	cmd.Wait()
	return times
}

func (e *env) environ() []string {
	var out []string
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}

package cache

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

const (
	firstOpenRounds  = 50
	firstOpenProcs   = 3
	firstOpenOK      = "ok"
	firstOpenFailed  = "failed: "
	firstOpenForeign = "belongs to another program"
)

// helperFirstOpen waits for the parent's go, opens the cache, writes to
// it and reads the write back; it prints "ok" or "failed: " and the error.
func helperFirstOpen(path, name string) error {
	fmt.Println("ready")
	if _, err := readLineFromStdin(); err != nil {
		return err
	}
	err := func() error {
		s, err := Open(path)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.SaveInstances(testUUID, name, markedInstances(name, name, 3), baseTime); err != nil {
			return err
		}
		insts, _, err := s.Instances(testUUID, name)
		if err != nil {
			return err
		}
		if len(insts) != 3 {
			return fmt.Errorf("read back %d instances, want 3", len(insts))
		}
		return nil
	}()
	if err != nil {
		fmt.Println(firstOpenFailed + strings.ReplaceAll(err.Error(), "\n", " "))
		return nil
	}
	fmt.Println(firstOpenOK)
	return nil
}

// Several bosun processes started at once on an empty cache directory all
// open the cache: none fails, none calls the new cache another program's.
func TestConcurrentFirstOpensOfSeparateProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 150 processes")
	}
	var failures, foreign, opened int
	for round := range firstOpenRounds {
		path := filepath.Join(t.TempDir(), "xdg", "bosun", "bosun.db")
		procs := make([]*helperProc, firstOpenProcs)
		for i := range procs {
			procs[i] = startHelper(t, "first-open", path, helperNameEnv+"="+fmt.Sprintf("dep-%d", i))
		}
		for _, h := range procs {
			h.expect(t, "ready")
		}
		for _, h := range procs {
			if _, err := h.stdin.Write([]byte("go\n")); err != nil {
				t.Fatal(err)
			}
		}
		roundOK := 0
		for i, h := range procs {
			line := h.next(t)
			h.wait(t)
			switch {
			case line == firstOpenOK:
				opened++
				roundOK++
			case strings.HasPrefix(line, firstOpenFailed):
				failures++
				if strings.Contains(line, firstOpenForeign) {
					foreign++
				}
				t.Errorf("round %d, process %d: %s", round, i, line)
			default:
				t.Fatalf("round %d, process %d printed %q", round, i, line)
			}
		}
		if t.Failed() && failures > 5 {
			break
		}
		// Every process's write is there.
		s, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: Open after the race: %v", round, err)
		}
		ages, err := s.InstanceAges(testUUID)
		s.Close()
		if err != nil || len(ages) != roundOK {
			t.Errorf("round %d: %d deployments cached (%v), want %d", round, len(ages), err, roundOK)
		}
	}
	t.Logf("%d rounds of %d processes: %d opened, %d failed, %d called the cache foreign",
		firstOpenRounds, firstOpenProcs, opened, failures, foreign)
	if opened != firstOpenRounds*firstOpenProcs {
		t.Errorf("%d of %d opens succeeded", opened, firstOpenRounds*firstOpenProcs)
	}
}

package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
)

const (
	writerRounds    = 15
	writerInstances = 150
	sharedDep       = "shared"
)

var writerNames = []string{"writer-a", "writer-b"}

// helperWriter saves, round after round, the deployment list, the shared
// deployment's instances and its own deployment's instances, each marked
// with its name and round. It prints its start and end times.
func helperWriter(path, name string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println("ready")
	if _, err := readLineFromStdin(); err != nil {
		return err
	}
	fmt.Println("start", time.Now().UnixNano())
	deps := []bosh.Deployment{realisticDeployment(sharedDep)}
	for _, n := range writerNames {
		deps = append(deps, realisticDeployment(n))
	}
	for round := range writerRounds {
		at := time.Now()
		marker := fmt.Sprintf("%s-%d", name, round)
		if err := s.SaveDeployments(testUUID, deps, at); err != nil {
			return err
		}
		if err := s.SaveInstances(testUUID, sharedDep, markedInstances(sharedDep, marker, writerInstances), at); err != nil {
			return err
		}
		if err := s.SaveInstances(testUUID, name, markedInstances(name, marker, writerInstances), at); err != nil {
			return err
		}
		// Readers in the same process see whole snapshots meanwhile.
		all, _, err := s.AllInstances(testUUID)
		if err != nil {
			return err
		}
		if len(all)%writerInstances != 0 {
			return fmt.Errorf("read %d instances, not whole snapshots", len(all))
		}
	}
	fmt.Println("end", time.Now().UnixNano())
	return nil
}

func TestTwoProcessesWritingAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	var procs []*helperProc
	for _, name := range writerNames {
		h := startHelper(t, "writer", path, helperNameEnv+"="+name)
		h.expect(t, "ready")
		procs = append(procs, h)
	}
	for _, h := range procs {
		if _, err := h.stdin.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
	}
	var spans [][2]int64
	for _, h := range procs {
		var span [2]int64
		for i, word := range []string{"start", "end"} {
			f := strings.Fields(h.next(t))
			if len(f) != 2 || f[0] != word {
				t.Fatalf("helper printed %q, want %s TIME", f, word)
			}
			span[i], _ = strconv.ParseInt(f[1], 10, 64)
		}
		h.wait(t)
		spans = append(spans, span)
	}
	if spans[0][0] > spans[1][1] || spans[1][0] > spans[0][1] {
		t.Errorf("the writers did not overlap in time: %v", spans)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	assertIntegrity(t, s)
	deps, _, err := s.Deployments(testUUID)
	if err != nil || len(deps) != 3 {
		t.Fatalf("Deployments = %v, %v", deps, err)
	}
	last := fmt.Sprint(writerRounds - 1)
	for _, name := range writerNames {
		insts, _, err := s.Instances(testUUID, name)
		if err != nil || len(insts) != writerInstances {
			t.Fatalf("%s: %d instances, %v", name, len(insts), err)
		}
		if m, err := singleMarker(insts); err != nil || m != name+"-"+last {
			t.Errorf("%s: marker %q, %v; want its last round", name, m, err)
		}
	}
	shared, _, err := s.Instances(testUUID, sharedDep)
	if err != nil || len(shared) != writerInstances {
		t.Fatalf("shared: %d instances, %v", len(shared), err)
	}
	if m, err := singleMarker(shared); err != nil || !strings.HasSuffix(m, "-"+last) {
		t.Errorf("shared: marker %q, %v; want one writer's last round", m, err)
	}
}

const (
	crashDep      = "cf"
	crashBefore   = 80
	crashReplaced = 6000 // enough rows that SQLite spills pages to the WAL before commit
)

// helperCrash starts replacing the instance snapshot and stops just before
// commit, so the test can kill it there.
func helperCrash(path string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	beforeCommit = func(op string) {
		fmt.Println("in transaction:", op)
		select {} // wait for SIGKILL
	}
	return s.SaveInstances(testUUID, crashDep, markedInstances(crashDep, "new", crashReplaced), time.Now())
}

func TestProcessKilledMidWriteKeepsPreviousSnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	before := markedInstances(crashDep, "old", crashBefore)
	if err := s.SaveInstances(testUUID, crashDep, before, baseTime); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	h := startHelper(t, "crash", path)
	h.expect(t, "in transaction: save instances")
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("the uncommitted write left no pages in the WAL (%v); the test would not exercise recovery", err)
	}
	// Meanwhile another process opens the cache and reads the previous
	// snapshot without waiting for the writer.
	other, err := Open(path)
	if err != nil {
		t.Fatalf("Open while another process writes: %v", err)
	}
	got, _, err := other.Instances(testUUID, crashDep)
	if err != nil || !reflect.DeepEqual(got, sortInstances(before)) {
		t.Errorf("read while another process writes: %d instances, %v", len(got), err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}

	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("helper exit = %v, want killed", err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	assertIntegrity(t, s)
	got, at, err := s.Instances(testUUID, crashDep)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sortInstances(before)) || !at.Equal(baseTime) {
		t.Errorf("after the crash: %d instances at %v, want the previous %d at %v", len(got), at, len(before), baseTime)
	}
	// The cache stays writable.
	if err := s.SaveInstances(testUUID, crashDep, before[:1], baseTime.Add(time.Minute)); err != nil {
		t.Errorf("write after recovery: %v", err)
	}
}

func assertIntegrity(t *testing.T, s *Store) {
	t.Helper()
	var res string
	if err := s.rdb.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
}

package cache

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"bosun/bosh"
	"bosun/pks"
)

// storeWrites calls every method of Store that writes, by name.
var storeWrites = map[string]func(s *Store) error{
	"SaveDeployments": func(s *Store) error {
		return s.SaveDeployments(testUUID, []bosh.Deployment{realisticDeployment("cf")}, baseTime)
	},
	"SaveInstances": func(s *Store) error {
		return s.SaveInstances(testUUID, "cf", realisticInstances("cf", map[string]int{"router": 2}), baseTime)
	},
	"SaveClusters": func(s *Store) error {
		return s.SaveClusters(testUUID, "https://api.pks.example:9021", []pks.Cluster{{Name: "prod", UUID: "1"}}, baseTime)
	},
	"RememberDirector": func(s *Store) error { return s.RememberDirector("https://10.0.0.6:25555", sampleInfo(), baseTime) },
	"RecordCCK": func(s *Store) error {
		return s.RecordCCK(testUUID, CCKRecord{Deployment: "cf", Kind: CCKScan, At: baseTime, User: "u", Outcome: CCKClean})
	},
	"RecordAudit": func(s *Store) error {
		return s.RecordAudit(testUUID, AuditRecord{Deployment: "si", Master: "master/0", Action: "enable", At: baseTime, Outcome: "changed"})
	},
	"RecordAction": func(s *Store) error {
		_, err := s.RecordAction(context.Background(), sampleAction(baseTime))
		return err
	},
	"UpdateAction": func(s *Store) error { return s.UpdateAction(context.Background(), 1, sampleAction(baseTime)) },
	"SaveEvents": func(s *Store) error {
		return s.SaveEvents([]K8sEvent{{Time: baseTime, Received: baseTime, Cluster: "prod", Reason: "Pulled"}})
	},
	"PruneEvents": func(s *Store) error {
		_, err := s.PruneEvents(EventRetention{MaxCount: 1}, baseTime)
		return err
	},
	"AddLogBundle": func(s *Store) error {
		_, err := s.AddLogBundle(testUUID, bosh.Bundle{Path: "/tmp/b.tgz", SHA256: "aa", Deployment: "cf", FetchedAt: baseTime})
		return err
	},
	"BeginInstanceListing": func(s *Store) error {
		return s.BeginInstanceListing(testUUID, []string{"cf"}, baseTime)
	},
	"SetLogBundleFiles": func(s *Store) error { return s.SetLogBundleFiles(1, []bosh.BundleFile{{Path: "a", Size: 1}}) },
	"ForgetLogBundle":   func(s *Store) error { return s.ForgetLogBundle(1) },
}

// storeReads are the methods of Store that do not write.
var storeReads = []string{"AllInstances", "AuditHistory", "CCKHistory", "Close", "Clusters", "Damaged", "Deployments",
	"DirectorFor", "EachInstance", "EachListedInstance", "EachListedInstanceAt", "Events", "History", "InstanceAges", "Instances",
	"KnownClusters", "KnownDeployments", "KnownInstances", "KnownTaskIDs", "LastAudit", "LastCCKScans",
	"ListedInstances", "LogBundleFiles", "LogBundles", "Path", "SnapshotTimes"}

func TestEveryStoreMethodIsKnownAsReadOrWrite(t *testing.T) {
	ty := reflect.TypeFor[*Store]()
	for i := range ty.NumMethod() {
		name := ty.Method(i).Name
		if _, ok := storeWrites[name]; !ok && !slices.Contains(storeReads, name) {
			t.Errorf("Store.%s is in neither storeWrites nor storeReads: the damaged-file tests must call it", name)
		}
	}
}

// assertEveryWriteRefused calls every writing method and wants each to
// say the file is damaged.
func assertEveryWriteRefused(t *testing.T, s *Store) {
	t.Helper()
	for name, write := range storeWrites {
		err := write(s)
		var ce *CorruptError
		if !errors.Is(err, ErrDamaged) || !errors.As(err, &ce) {
			t.Errorf("%s on a damaged file: %v, want ErrDamaged", name, err)
		}
	}
}

func fileSum(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// filledCache is a closed cache holding one record of each kind and a few
// hundred kilobytes of instances, with hardly a free page.
func filledCache(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, write := range storeWrites {
		if err := write(s); err != nil && !errors.Is(err, ErrNoAction) && !errors.Is(err, ErrActionFinished) && !errors.Is(err, ErrNoBundle) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// Then the instances, which fill most pages of the file.
	var deps []bosh.Deployment
	for i := range 12 {
		deps = append(deps, realisticDeployment(fmt.Sprintf("service-instance_%d", i)))
	}
	if err := s.SaveDeployments(testUUID, deps, baseTime); err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if err := s.SaveInstances(testUUID, d.Name, realisticInstances(d.Name, map[string]int{"master": 3, "worker": 30}), baseTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("WAL left after Close; the test needs a checkpointed file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Bytes 36-39 of the header count the free pages.
	if free := binary.BigEndian.Uint32(data[36:40]); free > 2 {
		t.Fatalf("%d free pages; the test needs pages in use", free)
	}
	return path
}

// Random bytes over a few pages of table data: Open may succeed (the
// schema is intact), but no write changes the file, and the file is not
// opened again by this process.
func TestDamagedFileIsNeverWritten(t *testing.T) {
	path := filledCache(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	pages := len(data) / page
	if pages < 40 {
		t.Fatalf("cache file has only %d pages", pages)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range []int{pages / 3, pages / 2, 2 * pages / 3} {
		for i := p * page; i < (p+1)*page; i++ {
			data[i] = byte(r.Uint32())
		}
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, path)

	s, err := Open(path)
	if err != nil {
		wantCorrupt(t, err, path)
		t.Fatalf("Open found the damage itself (%v); the test wants it found later", err)
	}
	if s.Damaged() != nil {
		t.Errorf("Damaged() = %v before any check", s.Damaged())
	}
	assertEveryWriteRefused(t, s)
	if err := s.Damaged(); !errors.Is(err, ErrDamaged) {
		t.Errorf("Damaged() = %v after the writes", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if after := fileSum(t, path); after != before {
		t.Error("the damaged file was changed")
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("%d bytes were written to the damaged file's WAL", fi.Size())
	}

	// This process does not open it again, not even read-only.
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if s, err := Open(path); err == nil {
		s.Close()
		t.Fatal("second Open of the damaged file succeeded")
	} else {
		wantCorrupt(t, err, path)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("second Open touched the file: %s%s exists", path, side)
		}
	}
	if after := fileSum(t, path); after != before {
		t.Error("the damaged file was changed by the second Open")
	}
}

// Damage found by a read after this process has written: from then on
// neither the file nor its write-ahead log changes, Close included (which
// would otherwise copy the log into the file).
func TestDamageFoundByAReadStopsEveryWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDeployments(testUUID, []bosh.Deployment{realisticDeployment("cf")}, baseTime); err != nil {
		t.Fatal(err)
	}
	// A row bosun cannot read back, written behind the store's back.
	if _, err := s.wdb.Exec(`UPDATE deployments SET releases = 'not json'`); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL frames (%v); the test would not exercise Close", err)
	}
	dbBefore, walBefore := fileSum(t, path), fileSum(t, path+"-wal")

	_, _, err = s.Deployments(testUUID)
	wantCorrupt(t, err, path)
	if !errors.Is(s.Damaged(), ErrDamaged) {
		t.Fatalf("Damaged() = %v after an unreadable row", s.Damaged())
	}
	assertEveryWriteRefused(t, s)
	// Reads still work where the file is readable.
	if _, err := s.History(context.Background(), HistoryFilter{}); err != nil {
		t.Errorf("read of an intact table: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if fileSum(t, path) != dbBefore || fileSum(t, path+"-wal") != walBefore {
		t.Error("the damaged file or its WAL changed after the damage was found")
	}
	if _, err := Open(path); !errors.Is(err, ErrDamaged) {
		t.Errorf("second Open: %v, want ErrDamaged", err)
	}
}

// A file refused at Open is refused again without being opened.
func TestFileRefusedAtOpenIsNotOpenedAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	writeForeignDB(t, path, `CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);`)
	_, first := Open(path)
	wantCorrupt(t, first, path)
	// Replace it with a good cache: this process still does not open it.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	_, second := Open(path)
	if second != first {
		t.Errorf("second Open = %v, want the first error again", second)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("second Open created the file")
	}
}

func TestCorruptErrorMatchesErrDamaged(t *testing.T) {
	var err error = fmt.Errorf("open: %w", &CorruptError{Path: "/x", Reason: "it is damaged"})
	if !errors.Is(err, ErrDamaged) {
		t.Error("a wrapped *CorruptError does not match ErrDamaged")
	}
	if errors.Is(errors.New("cache: database is locked"), ErrDamaged) {
		t.Error("another error matches ErrDamaged")
	}
}

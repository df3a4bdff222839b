package cache

import (
	"bytes"
	"os"
	"reflect"
	"regexp"
	"testing"

	"bosun/bosh"
)

var secretName = regexp.MustCompile(`(?i)token|secret|passw|credential|private|bearer|refresh`)

// assertFileLacks fails when any of words appears, in any case, in the
// bytes of the cache file or its WAL.
func assertFileLacks(t *testing.T, s *Store, words ...string) {
	t.Helper()
	var all []byte
	for _, p := range []string{s.Path(), s.Path() + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatal("cache file is empty")
	}
	lower := bytes.ToLower(all)
	for _, w := range words {
		if bytes.Contains(lower, bytes.ToLower([]byte(w))) {
			t.Errorf("cache file holds %q", w)
		}
	}
}

func TestCacheHoldsNoSecret(t *testing.T) {
	s := openTemp(t)
	info := sampleInfo()
	info.User = "pivotal-container-service-4f3c2b1a0e9d8c7b6a5f"
	if err := s.RememberDirector("https://10.0.0.6:25555", info, baseTime); err != nil {
		t.Fatal(err)
	}
	dep := realisticDeployment("service-instance_" + fakeUUID("cluster", 1))
	if err := s.SaveDeployments(info.UUID, []bosh.Deployment{dep}, baseTime); err != nil {
		t.Fatal(err)
	}
	insts := realisticInstances(dep.Name, map[string]int{"master": 3, "worker": 5})
	if err := s.SaveInstances(info.UUID, dep.Name, insts, baseTime); err != nil {
		t.Fatal(err)
	}
	// The user was stored (the scan below reads real data) ...
	assertFileHolds(t, s, info.User)
	// ... and nothing named or valued like a secret was.
	assertFileLacks(t, s, "token", "secret", "password")

	rows, err := s.rdb.Query(`SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	columns := 0
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		columns++
		if secretName.MatchString(table) || secretName.MatchString(column) {
			t.Errorf("schema has %s.%s", table, column)
		}
	}
	if columns < 20 {
		t.Errorf("schema scan saw only %d columns", columns)
	}
}

func TestCachedTypesHaveNoSecretField(t *testing.T) {
	for _, v := range []any{bosh.Info{}, bosh.Deployment{}, bosh.Instance{}, bosh.Process{}, bosh.Vitals{}} {
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			f := ty.Field(i)
			if secretName.MatchString(f.Name) || secretName.MatchString(string(f.Tag)) {
				t.Errorf("%s.%s looks like a secret; the cache must not store it", ty.Name(), f.Name)
			}
		}
	}
}

func assertFileHolds(t *testing.T, s *Store, word string) {
	t.Helper()
	var all []byte
	for _, p := range []string{s.Path(), s.Path() + "-wal"} {
		b, _ := os.ReadFile(p)
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte(word)) {
		t.Errorf("cache file lacks %q", word)
	}
}

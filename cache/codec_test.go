package cache

import (
	"math"
	"reflect"
	"testing"
	"time"

	"bosun/bosh"
)

func codecSamples() []bosh.Instance {
	full := realisticInstance("cf", "diego-cell", 7)
	partial := realisticInstance("cf", "router", 0)
	partial.Vitals.Ephemeral = nil
	partial.Vitals.Persistent = nil
	partial.Ignore = true
	partial.IPs = []string{}
	partial.DiskCIDs = nil
	partial.Processes = []bosh.Process{}
	partial.VMCreatedAt = time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)
	odd := bosh.Instance{
		Group: "grüße/ü", ID: "", Name: "with\x00nul", Index: -1, ProcessState: bosh.StateUnresponsive,
		IPs: []string{"", "fe80::1"}, Processes: []bosh.Process{{Name: "p", State: "failing", UptimeSecs: -5, MemPercent: math.Inf(1), CPUTotal: math.MaxFloat64}},
		Vitals: &bosh.Vitals{Load: [3]float64{-0.5, 1e300, 0}, Mem: bosh.Mem{KB: math.MaxInt64}, Swap: bosh.Mem{KB: math.MinInt64}},
	}
	return []bosh.Instance{{}, full, partial, odd}
}

func TestCodecRoundTrip(t *testing.T) {
	for i, in := range codecSamples() {
		in.Deployment, in.Full = "", false // kept in columns, not in the record
		rec := encodeInstance(nil, &in)
		var out bosh.Instance
		if err := decodeInstance(string(rec), &out); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("sample %d:\n got %+v\nwant %+v", i, out, in)
		}
	}
}

func TestCodecRefusesDamagedRecords(t *testing.T) {
	in := realisticInstance("cf", "api", 3)
	rec := encodeInstance(nil, &in)
	for n := range len(rec) {
		var out bosh.Instance
		if err := decodeInstance(string(rec[:n]), &out); err == nil {
			t.Fatalf("a record cut to %d of %d bytes decoded", n, len(rec))
		}
	}
	var out bosh.Instance
	if err := decodeInstance(string(rec)+"x", &out); err == nil {
		t.Error("a record with trailing bytes decoded")
	}
	other := append([]byte{codecVersion + 1}, rec[1:]...)
	if err := decodeInstance(string(other), &out); err == nil {
		t.Error("a record of an unknown codec version decoded")
	}
	// A huge list length must fail, not allocate.
	huge := []byte{codecVersion, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}
	if err := decodeInstance(string(huge), &out); err == nil {
		t.Error("a record with an impossible list length decoded")
	}
}

func FuzzDecodeInstance(f *testing.F) {
	for _, in := range codecSamples() {
		f.Add(encodeInstance(nil, &in))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		var out bosh.Instance
		if err := decodeInstance(string(rec), &out); err != nil {
			return
		}
		// Whatever decodes re-encodes to a record that decodes the same.
		again := encodeInstance(nil, &out)
		var back bosh.Instance
		if err := decodeInstance(string(again), &back); err != nil {
			t.Fatalf("re-encoded record fails: %v", err)
		}
		if !reflect.DeepEqual(sanitizeNaN(back), sanitizeNaN(out)) {
			t.Fatalf("re-decoded %+v, want %+v", back, out)
		}
	})
}

// sanitizeNaN replaces NaNs, which never compare equal, so that records
// holding them can be compared.
func sanitizeNaN(in bosh.Instance) bosh.Instance {
	fix := func(f *float64) {
		if math.IsNaN(*f) {
			*f = -12345
		}
	}
	in.Processes = append([]bosh.Process(nil), in.Processes...)
	for i := range in.Processes {
		fix(&in.Processes[i].MemPercent)
		fix(&in.Processes[i].CPUTotal)
	}
	if in.Vitals != nil {
		v := *in.Vitals
		for i := range v.Load {
			fix(&v.Load[i])
		}
		for _, f := range []*float64{&v.CPU.Sys, &v.CPU.User, &v.CPU.Wait, &v.Mem.Percent, &v.Swap.Percent} {
			fix(f)
		}
		for _, u := range []**bosh.Usage{&v.System, &v.Ephemeral, &v.Persistent} {
			if *u != nil {
				c := **u
				fix(&c.Percent)
				fix(&c.InodePercent)
				*u = &c
			}
		}
		in.Vitals = &v
	}
	return in
}

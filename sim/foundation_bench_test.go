package sim

import (
	"testing"
	"time"
)

// go test -run '^$' -bench . -benchmem ./sim

func BenchmarkGenerateContent500x50(b *testing.B) {
	epoch := time.Now()
	for b.Loop() {
		generateContent(1, epoch, 500, 50)
	}
}

func BenchmarkVMStatsResult500(b *testing.B) {
	c := generateContent(1, time.Now(), 1, 500)
	var f *Foundation // no running foundation: the seeded state
	states := f.deploymentNow(c.fillers[0])
	now := time.Now()
	for b.Loop() {
		vmStatsResult(1, 1, states, true, now)
	}
}

func BenchmarkListDeployments500(b *testing.B) {
	f := startSim(b, Options{Deployments: 500, InstancesPerDeployment: 10})
	d := adminDirector(b, f, nil)
	for b.Loop() {
		if _, err := d.ListDeployments(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStartClose(b *testing.B) {
	for b.Loop() {
		f, err := Start(Options{Listen: "127.0.0.1:0"})
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

package sim

import (
	"strings"
	"testing"
	"time"
)

func TestStartRejectsBadOptions(t *testing.T) {
	busy := startSim(t, Options{})
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"listen without port", Options{Listen: "127.0.0.1"}, "want host:port"},
		{"UAA listen without port", Options{Listen: "127.0.0.1:0", UAAListen: "localhost"}, "UAA listen address"},
		{"port in use", Options{Listen: strings.TrimPrefix(busy.DirectorURL(), "https://")}, "director listen on"},
		{"negative deployments", Options{Listen: "127.0.0.1:0", Deployments: -1}, "deployments -1"},
		{"negative instances", Options{Listen: "127.0.0.1:0", InstancesPerDeployment: -5}, "instances per deployment -5"},
		{"too many fillers", Options{Listen: "127.0.0.1:0", Deployments: 5000, InstancesPerDeployment: 1000}, "filler instances in all"},
		{"negative workers", Options{Listen: "127.0.0.1:0", Workers: -1}, "workers -1"},
		{"negative task time", Options{Listen: "127.0.0.1:0", TaskTime: -time.Second}, "task time"},
		{"negative latency", Options{Listen: "127.0.0.1:0", Latency: -time.Second}, "latency"},
		{"negative TTL", Options{Listen: "127.0.0.1:0", TokenTTL: -time.Second}, "token TTL"},
		{"unknown auth", Options{Listen: "127.0.0.1:0", Auth: "ldap"}, `auth "ldap"`},
		{"negative burst", Options{Listen: "127.0.0.1:0", Faults: Faults{ErrorBurst: -2}}, "error burst"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Start(c.opts)
			if err == nil {
				f.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	o, err := Options{}.normalized()
	if err != nil {
		t.Fatal(err)
	}
	if o.Listen != DefaultListen || o.UAAListen != "127.0.0.1:0" || o.Workers != 5 || o.TaskTime != 300*time.Millisecond ||
		o.TokenTTL != 10*time.Minute || o.InstancesPerDeployment != 50 || o.Auth != "uaa" {
		t.Errorf("defaults %+v", o)
	}
}

package cache

import (
	"testing"
	"time"
)

func TestAge(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ago  time.Duration
		want string
	}{
		{0, "0s"},
		{12*time.Second + 900*time.Millisecond, "12s"},
		{59 * time.Second, "59s"},
		{time.Minute, "1m"},
		{4*time.Minute + 59*time.Second, "4m"},
		{59 * time.Minute, "59m"},
		{2*time.Hour + 30*time.Minute, "2h"},
		{23 * time.Hour, "23h"},
		{24 * time.Hour, "1d"},
		{3*24*time.Hour + 23*time.Hour, "3d"},
		{400 * 24 * time.Hour, "400d"},
		{-time.Minute, "0s"},
	} {
		if got := Age(now.Add(-c.ago), now); got != c.want {
			t.Errorf("Age(now - %v) = %q, want %q", c.ago, got, c.want)
		}
	}
}

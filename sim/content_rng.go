package sim

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
)

// rng is a deterministic generator for foundation content. Each part of the
// content draws from its own stream (named), so adding content to one part
// does not shift the uuids and CIDs of another.
type rng struct{ r *rand.Rand }

func newRNG(seed int64, stream string) *rng {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return &rng{r: rand.New(rand.NewPCG(uint64(seed), h.Sum64()))}
}

// uuid returns a version 4 UUID string.
func (g *rng) uuid() string {
	var b [16]byte
	g.fill(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// hex returns n lower-case hex digits.
func (g *rng) hex(n int) string {
	b := make([]byte, (n+1)/2)
	g.fill(b)
	return hex.EncodeToString(b)[:n]
}

func (g *rng) fill(b []byte) {
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
}

// intn returns an int in [0, n).
func (g *rng) intn(n int) int { return g.r.IntN(n) }

// between returns an int in [lo, hi].
func (g *rng) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// float returns a float64 in [lo, hi).
func (g *rng) float(lo, hi float64) float64 { return lo + g.r.Float64()*(hi-lo) }

// chance is true with probability p.
func (g *rng) chance(p float64) bool { return g.r.Float64() < p }

package bundle

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/edict-policy/edict/compile"
)

// builtInBundle renders the largest built-in initiative into a bundle folder.
func builtInBundle(b *testing.B) (string, string) {
	b.Helper()
	name := "pod-security-restricted"
	if !slices.Contains(compile.BuiltinInitiatives(), name) {
		name = "pod-security-baseline"
	}
	builder, err := compile.NewBuilder(fstest.MapFS{}, ".", compile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	out, err := builder.BuildBuiltin(context.Background(), name)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), name)
	if err := Write(dir, out); err != nil {
		b.Fatal(err)
	}
	return dir, name
}

// BenchmarkPush pushes the built-in bundle to the in-process registry: a
// first push into an empty repository, and an unchanged second push, which
// should cost one manifest HEAD per tag. requests/op counts HTTP requests.
func BenchmarkPush(b *testing.B) {
	dir, name := builtInBundle(b)
	art, err := NewArtifact(os.DirFS(dir), ArtifactOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: layer %d bytes, digest %s", name, art.Layer.desc.Size, art.Descriptor().Digest)
	reg := newTestRegistry(b, true)
	r := &Remote{}
	ctx := context.Background()

	b.Run("first", func(b *testing.B) {
		// A fresh registry each time: this registry shares blobs between
		// repositories, which would hide the uploads.
		requests := 0
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			fresh := newTestRegistry(b, true)
			loc := mustLocation(b, "oci://"+fresh.host()+"/bench/first:v1")
			b.StartTimer()
			if _, err := r.Push(ctx, art, loc, PushOptions{}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			requests += len(fresh.reset())
			fresh.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	})
	b.Run("unchanged", func(b *testing.B) {
		loc := mustLocation(b, "oci://"+reg.host()+"/bench/unchanged:v1")
		if _, err := r.Push(ctx, art, loc, PushOptions{}); err != nil {
			b.Fatal(err)
		}
		reg.reset()
		uploaded := 0
		for b.Loop() {
			res, err := r.Push(ctx, art, loc, PushOptions{})
			if err != nil {
				b.Fatal(err)
			}
			uploaded += res.Uploaded
		}
		b.ReportMetric(float64(len(reg.reset()))/float64(b.N), "requests/op")
		b.ReportMetric(float64(uploaded)/float64(b.N), "uploads/op")
	})
	b.Run("unchanged-signed", func(b *testing.B) {
		sv, _ := testKeys(b)
		loc := mustLocation(b, "oci://"+reg.host()+"/bench/signed:v1")
		if _, err := r.Push(ctx, art, loc, PushOptions{Signer: sv, Format: FormatBoth}); err != nil {
			b.Fatal(err)
		}
		reg.reset()
		for b.Loop() {
			if _, err := r.Push(ctx, art, loc, PushOptions{Signer: sv, Format: FormatBoth}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(reg.reset()))/float64(b.N), "requests/op")
	})
}

// BenchmarkArtifact measures packing a bundle folder (tar, gzip, manifest).
func BenchmarkArtifact(b *testing.B) {
	dir, _ := builtInBundle(b)
	fsys := os.DirFS(dir)
	for b.Loop() {
		if _, err := NewArtifact(fsys, ArtifactOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

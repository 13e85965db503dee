package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/edict-policy/edict/bundle"
)

type pushOptions struct {
	signKey  string
	format   string
	source   string
	revision string
	created  string
	force    bool
	registry registryOptions
	out      outputOptions
}

func newPushCmd() *cobra.Command {
	var o pushOptions
	cmd := &cobra.Command{
		Use:   "push BUNDLE [DEST...]",
		Short: "Publish a built bundle as a signed, reproducible OCI artifact",
		Long: `Push packs a bundle folder (the output of edict build) into an OCI artifact -
one image manifest with Flux's config media type and a single tar+gzip layer that
Flux and Argo CD both sync - and publishes it to each DEST.

DEST is a registry reference oci://host/repository[:tag[,tag...]] or the path of an
OCI image layout folder[:tag], the default (BUNDLE.oci) that needs no server. The tag
defaults to the bundle version. The same bundle always gives the same digest, and
a destination that already holds it receives nothing new. A tag that already
names other content is a release and is not moved (latest aside, which exists to
follow the last push): bump spec.version and push the new tag, or pass --force.
A bundle whose content changed while its version stayed the same is warned about.

With --sign-key the digest is signed the way cosign does (the password comes from
EDICT_KEY_PASSWORD, COSIGN_PASSWORD or stdin): the legacy signature at tag
sha256-<hex>.sig, and/or with --signature-format bundle|both a Sigstore bundle
stored as an OCI 1.1 referrer.

Registry credentials come from the Docker config (docker login) and its credential
helpers. org.opencontainers.image.created is --created, else SOURCE_DATE_EPOCH,
else the Unix epoch - never the clock, so rebuilding gives the same digest.`,
		Example: `  # Publish to a registry under two tags and sign (legacy cosign format)
  EDICT_KEY_PASSWORD=... edict push dist/contoso-prod oci://ghcr.io/contoso/policies:2.3.0,latest \
      --sign-key cosign.key --source https://github.com/contoso/policies --revision main@sha1:$(git rev-parse HEAD)

  # Both signature formats, creation time from the last commit, JSON result
  edict push dist/contoso-prod oci://registry.example.com/policies:2.3.0 --sign-key cosign.key \
      --signature-format both --created git --output json

  # Into an OCI image layout folder, no registry needed
  edict push dist/contoso-prod dist/contoso-prod.oci:2.3.0`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runPush(cmd, o, args[0], args[1:]) },
	}
	cmd.Flags().StringVar(&o.signKey, "sign-key", "", "private key (cosign key file or PKCS#8 PEM) to sign the pushed digest")
	cmd.Flags().StringVar(&o.format, "signature-format", "legacy", "signature format: legacy (tag sha256-<hex>.sig), bundle (Sigstore bundle referrer) or both")
	cmd.Flags().StringVar(&o.source, "source", "", "org.opencontainers.image.source annotation (the policy repository URL)")
	cmd.Flags().StringVar(&o.revision, "revision", "", "org.opencontainers.image.revision annotation (e.g. main@sha1:<commit>)")
	cmd.Flags().StringVar(&o.created, "created", "", "creation time: RFC 3339, Unix seconds, or git (the last commit's time)")
	cmd.Flags().BoolVar(&o.force, "force", false, "move tags that already point at other content (a released tag is otherwise never moved)")
	o.registry.addFlags(cmd)
	o.out.addFlags(cmd)
	return cmd
}

func runPush(cmd *cobra.Command, o pushOptions, bundleDir string, dests []string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	if err := o.registry.validate(); err != nil {
		return err
	}
	format, err := bundle.ParseSignatureFormat(o.format)
	if err != nil {
		return err
	}
	created, err := createdTime(cmd, o.created)
	if err != nil {
		return err
	}
	if info, err := os.Stat(bundleDir); err != nil || !info.IsDir() {
		return withExit(ExitUsage, fmt.Errorf("bundle %s: no such folder (push a folder edict build wrote, such as dist/<initiative>)", bundleDir))
	}
	art, err := bundle.NewArtifact(os.DirFS(bundleDir), bundle.ArtifactOptions{Source: o.source, Revision: o.revision, Created: created})
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return withExit(ExitUsage, fmt.Errorf("bundle %s: %w", bundleDir, err))
		}
		return fmt.Errorf("bundle %s: %w", bundleDir, err)
	}
	if len(dests) == 0 {
		dests = []string{filepath.Clean(bundleDir) + ".oci"}
	}
	locs := make([]*bundle.Location, 0, len(dests))
	for _, d := range dests {
		loc, err := bundle.ParseLocation(d)
		if err != nil {
			return err
		}
		locs = append(locs, loc.WithDefaultTag(defaultTag(art.Index.Version)))
	}
	opts := bundle.PushOptions{Force: o.force}
	if o.signKey != "" {
		sv, err := loadSignerVerifier(cmd, o.signKey)
		if err != nil {
			return err
		}
		opts.Signer, opts.Format = sv, format
	}
	prog := newProgress(cmd.ErrOrStderr())
	opts.Progress = prog.update
	r := o.registry.remote()
	ctx, cancel := o.registry.context(cmd)
	defer cancel()

	var results []*bundle.PushResult
	for _, loc := range locs {
		start := time.Now()
		res, err := r.Push(ctx, art, loc, opts)
		prog.done()
		if err != nil {
			return o.registry.explain(ctx, err)
		}
		results = append(results, res)
		for _, w := range res.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
		}
		if !o.out.json() {
			printPush(cmd.OutOrStdout(), loc, res, time.Since(start))
		}
	}
	if o.out.json() {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		if len(results) == 1 {
			return enc.Encode(results[0])
		}
		return enc.Encode(results)
	}
	return nil
}

func printPush(w io.Writer, loc *bundle.Location, res *bundle.PushResult, took time.Duration) {
	fmt.Fprintf(w, "pushed %s\n", loc)
	fmt.Fprintf(w, "  digest     %s\n", res.Digest)
	fmt.Fprintf(w, "  reference  %s\n", res.Reference)
	for _, m := range res.Moved {
		fmt.Fprintf(w, "  moved      %s from %s\n", m.Tag, m.From)
	}
	if res.Uploaded == 0 {
		fmt.Fprintf(w, "  unchanged  nothing uploaded (%s)\n", took.Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "  uploaded   %d blobs and manifests, %d bytes (%s)\n", res.Uploaded, res.UploadedBytes, took.Round(time.Millisecond))
	}
	for _, s := range res.Signatures {
		state := "signed"
		if s.Existing {
			state = "already signed"
		}
		fmt.Fprintf(w, "  %-10s %s (%s)\n", state, s.Reference, s.Format)
	}
}

// defaultTag turns a bundle version into a valid tag ('+' is not allowed).
func defaultTag(version string) string {
	if version == "" {
		return "latest"
	}
	return strings.ReplaceAll(version, "+", "_")
}

// createdTime resolves --created, falling back to SOURCE_DATE_EPOCH and then
// the epoch; it never reads the clock.
func createdTime(cmd *cobra.Command, flag string) (time.Time, error) {
	switch {
	case flag == "":
		return bundle.CreatedFromEnv(time.Time{})
	case flag == "git":
		c := exec.CommandContext(cmd.Context(), "git", "log", "-1", "--format=%ct")
		var stderr bytes.Buffer
		c.Stderr = &stderr
		out, err := c.Output()
		if err != nil {
			// git's own words say why: not a repository, no commits yet, not installed.
			reason := strings.TrimSpace(stderr.String())
			if reason == "" {
				reason = err.Error()
			}
			return time.Time{}, withExit(ExitUsage, fmt.Errorf("--created git: cannot read the last commit time: %s", reason))
		}
		secs, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			return time.Time{}, withExit(ExitUsage, fmt.Errorf("--created git: unexpected git output %q", out))
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	if secs, err := strconv.ParseInt(flag, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, flag)
	if err != nil {
		return time.Time{}, withExit(ExitUsage, fmt.Errorf("--created %q: expected RFC 3339, Unix seconds or git", flag))
	}
	return t.UTC(), nil
}

// progress shows one self-overwriting status line, only on a terminal.
type progress struct {
	w      io.Writer
	active bool
	shown  bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, active: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(msg string) {
	if !p.active {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%s", msg)
	p.shown = true
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

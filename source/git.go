package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"testing/fstest"
	"time"
)

// gitTimeout bounds every git command.
const gitTimeout = 2 * time.Minute

// gitExtensions are the files a snapshot keeps: what initiatives, policies,
// libraries and built bundles are made of.
var gitExtensions = map[string]bool{".yaml": true, ".yml": true, ".rego": true, ".json": true, ".sig": true}

// parseGitArg splits git:REV[:PATH].
func parseGitArg(arg string) (rev, p string, hasPath bool, err error) {
	rest := strings.TrimPrefix(arg, GitPrefix)
	rev, p, hasPath = strings.Cut(rest, ":")
	if rev == "" {
		return "", "", false, &NotFoundError{Arg: arg, Hint: "expected git:REV or git:REV:PATH, for example git:origin/main"}
	}
	if strings.HasPrefix(rev, "-") {
		return "", "", false, &NotFoundError{Arg: arg, Hint: "a revision cannot start with -"}
	}
	return rev, p, hasPath, nil
}

func resolveGit(ctx context.Context, arg string, opts Options) ([]*Bundle, error) {
	rev, rel, hasPath, err := parseGitArg(arg)
	if err != nil {
		return nil, err
	}
	if !hasPath {
		rel = opts.GitPath
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	prefix, err := git(ctx, dir, nil, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, &GitError{Rev: rev, Err: err}
	}
	commit, err := git(ctx, dir, nil, "rev-parse", "--verify", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, &GitError{Rev: rev, Err: err}
	}
	cwd := strings.TrimSuffix(strings.TrimSpace(string(prefix)), "/")
	if cwd == "" {
		cwd = "."
	}
	target := path.Clean(path.Join(cwd, strings.ReplaceAll(rel, `\`, "/")))
	if target == ".." || strings.HasPrefix(target, "../") || path.IsAbs(target) {
		return nil, &GitError{Rev: rev, Err: fmt.Errorf("path %q is outside the repository", rel)}
	}
	limit := opts.Limits.MaxBytes
	if limit <= 0 {
		limit = MaxGitBytes
	}
	snap, err := Snapshot(ctx, dir, strings.TrimSpace(string(commit)), limit)
	if err != nil {
		return nil, &GitError{Rev: rev, Err: err}
	}
	display := GitPrefix + rev
	info, err := fs.Stat(snap, target)
	if err != nil {
		return nil, &GitError{Rev: rev, Err: fmt.Errorf("%s does not exist at this revision", target)}
	}
	if !info.IsDir() {
		// The file finds its policies under the current folder, as it
		// would in the working tree.
		root := cwd
		if root != "." && !strings.HasPrefix(target, root+"/") {
			root = path.Dir(target)
		}
		sub, err := fs.Sub(snap, root)
		if err != nil {
			return nil, err
		}
		relFile := strings.TrimPrefix(target, root+"/")
		if root == "." {
			relFile = target
		}
		return buildFiles(ctx, sub, []string{relFile}, joinDisplay(display, root))
	}
	sub, err := fs.Sub(snap, target)
	if err != nil {
		return nil, err
	}
	if isBundle(sub) {
		b, err := readBundleDir(sub, joinDisplay(display, target), opts.Verifier, "")
		if err != nil {
			return nil, err
		}
		return []*Bundle{b}, nil
	}
	return buildRepository(ctx, sub, joinDisplay(display, target))
}

// Snapshot reads the policy files (YAML, JSON, Rego, signatures) of commit
// into memory with git ls-tree and cat-file: the working tree, the index
// and .gitattributes export rules play no part. Symbolic links and
// submodules are left out; limit bounds the total size.
func Snapshot(ctx context.Context, dir, commit string, limit int64) (fs.FS, error) {
	list, err := git(ctx, dir, nil, "ls-tree", "-r", "-z", "--full-tree", commit)
	if err != nil {
		return nil, err
	}
	type entry struct{ oid, name string }
	var entries []entry
	var total int64
	for _, rec := range bytes.Split(list, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, name, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 || f[1] != "blob" || (f[0] != "100644" && f[0] != "100755") {
			continue
		}
		n := string(name)
		if !gitExtensions[path.Ext(n)] || !fs.ValidPath(n) {
			continue
		}
		entries = append(entries, entry{oid: f[2], name: n})
	}
	files := fstest.MapFS{}
	if len(entries) == 0 {
		return files, nil
	}
	var in bytes.Buffer
	for _, e := range entries {
		in.WriteString(e.oid + "\n")
	}
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "cat-file", "--batch")
	cmd.Stdin = &in
	cmd.Env = gitEnv()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := bufio.NewReader(out)
	var readErr error
	for _, e := range entries {
		header, err := r.ReadString('\n')
		if err != nil {
			readErr = fmt.Errorf("cat-file: %w", err)
			break
		}
		f := strings.Fields(header)
		if len(f) != 3 || f[1] != "blob" {
			readErr = fmt.Errorf("cat-file: unexpected %q", strings.TrimSpace(header))
			break
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || size < 0 {
			readErr = fmt.Errorf("cat-file: bad size in %q", strings.TrimSpace(header))
			break
		}
		total += size
		if total > limit {
			readErr = fmt.Errorf("the revision's policy files exceed %d bytes", limit)
			break
		}
		data := make([]byte, size+1) // content and the trailing newline
		if _, err := io.ReadFull(r, data); err != nil {
			readErr = fmt.Errorf("cat-file: %w", err)
			break
		}
		files[e.name] = &fstest.MapFile{Data: data[:size], Mode: 0o644}
	}
	if readErr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, readErr
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("git cat-file: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return files, nil
}

// git runs one bounded git command and returns its standard output.
func git(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Stdin = stdin
	cmd.Env = gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg := strings.TrimSpace(stderr.String())
			if msg == "" {
				msg = err.Error()
			}
			return nil, errors.New(firstLine(msg))
		}
		return nil, fmt.Errorf("run git: %w", err)
	}
	return stdout.Bytes(), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// gitEnv keeps git from prompting or paging.
func gitEnv() []string {
	return append(environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "GIT_OPTIONAL_LOCKS=0")
}

// Package input is how edict reads a policy repository: one walker with one
// skip list, one bounded and contained file reader, one positioned YAML
// reader, and one positioned error type with hints. build, test, the catalog
// of policies and the commands that read initiatives all go through it, so
// they see the same files and report problems the same way.
//
// Repositories are untrusted. Open a folder with OpenRoot, which refuses
// any path (or symlink) that resolves outside it; ReadFile reads only
// regular files, within MaxFileSize; and errors quote file content only as a
// short excerpt anchored at a line and column.
package input

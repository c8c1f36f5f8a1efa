// Command tileaudit audits a C2SP tlog-tiles log from outside, sharing no code with caselog:
// it verifies the checkpoint note with golang.org/x/mod/sumdb/note and the log's verifier
// key, fetches every hash tile and (with -entries) every entry bundle of that tree, recomputes
// each leaf hash from its entry, the whole tree from the leaf hashes with
// golang.org/x/mod/sumdb/tlog, and compares every served tile and the root with the
// recomputed ones. Checkpoints held from earlier (-previous) must be signed by the same key
// and be prefixes of the audited tree (tlog.ProveTree / tlog.CheckTree).
//
//	tileaudit -url <prefix> -vkey <log vkey> [-entries=false] [-previous <note>]... [-save <file>]
//
// Exit 0 and a summary when everything agrees; exit 1 and the first disagreement otherwise.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

var client = &http.Client{Timeout: 30 * time.Second}

func main() {
	prefix := flag.String("url", "", "the log's URL prefix (where /checkpoint is served)")
	vkey := flag.String("vkey", "", "the log's note verifier key")
	withEntries := flag.Bool("entries", true, "fetch entry bundles and recompute every leaf hash")
	save := flag.String("save", "", "write the audited checkpoint note to this file")
	var previous files
	flag.Var(&previous, "previous", "a checkpoint note held earlier (repeatable)")
	flag.Parse()
	if *prefix == "" || *vkey == "" {
		fmt.Fprintln(os.Stderr, "usage: tileaudit -url <prefix> -vkey <vkey> [-entries=false] [-previous <note>]... [-save <file>]")
		os.Exit(2)
	}
	summary, err := audit(strings.TrimRight(*prefix, "/"), *vkey, *withEntries, previous, *save)
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAILED:", err)
		os.Exit(1)
	}
	fmt.Println(summary)
}

func audit(prefix, vkey string, withEntries bool, previous []string, save string) (string, error) {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return "", fmt.Errorf("verifier key: %v", err)
	}
	signed, err := fetch(prefix + "/checkpoint")
	if err != nil {
		return "", err
	}
	head, err := open(signed, verifier)
	if err != nil {
		return "", fmt.Errorf("checkpoint: %v", err)
	}

	// Every tile of the tree, at every level, as tlog lays them out for this size.
	served := map[tlog.Tile][]byte{}
	for _, t := range tlog.NewTiles(tileHeight, 0, head.size) {
		data, err := fetch(prefix + "/" + tilePath(t, false))
		if err != nil {
			return "", err
		}
		if len(data) != t.W*tlog.HashSize {
			return "", fmt.Errorf("%s: %d bytes, not %d", tilePath(t, false), len(data), t.W*tlog.HashSize)
		}
		served[t] = data
	}

	// The leaf hashes from the level 0 tiles; with -entries, each recomputed from its entry.
	leaves := make([]tlog.Hash, 0, head.size)
	bundles := 0
	for _, t := range tlog.NewTiles(tileHeight, 0, head.size) {
		if t.L != 0 {
			continue
		}
		data := served[t]
		for i := 0; i < t.W; i++ {
			var h tlog.Hash
			copy(h[:], data[i*tlog.HashSize:])
			leaves = append(leaves, h)
		}
		if !withEntries {
			continue
		}
		bundle, err := fetch(prefix + "/" + tilePath(t, true))
		if err != nil {
			return "", err
		}
		entries, err := splitBundle(bundle)
		if err != nil {
			return "", fmt.Errorf("%s: %v", tilePath(t, true), err)
		}
		if len(entries) != t.W {
			return "", fmt.Errorf("%s: %d entries, not %d", tilePath(t, true), len(entries), t.W)
		}
		first := t.N << tileHeight
		for i, entry := range entries {
			if tlog.RecordHash(entry) != leaves[first+int64(i)] {
				return "", fmt.Errorf("entry %d: its hash is not the leaf hash in %s", first+int64(i), tilePath(t, false))
			}
		}
		bundles++
	}

	// The whole tree recomputed from the leaf hashes alone.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, index := range indexes {
			if index < 0 || index >= int64(len(stored)) {
				return nil, fmt.Errorf("no stored hash %d", index)
			}
			out[i] = stored[index]
		}
		return out, nil
	})
	for i, leaf := range leaves {
		hashes, err := tlog.StoredHashesForRecordHash(int64(i), leaf, reader)
		if err != nil {
			return "", err
		}
		stored = append(stored, hashes...)
	}
	root, err := tlog.TreeHash(head.size, reader)
	if err != nil {
		return "", err
	}
	if root != head.root {
		return "", fmt.Errorf("the tree of %d recomputed from the tiles has root %s, the checkpoint signs %s", head.size, root, head.root)
	}
	for t, data := range served {
		want, err := tlog.ReadTileData(t, reader)
		if err != nil {
			return "", err
		}
		if !bytes.Equal(want, data) {
			return "", fmt.Errorf("%s is not the tile of the recomputed tree", tilePath(t, false))
		}
	}

	// The standard client's way too: tiles checked against the signed root as they are read.
	tree := tlog.Tree{N: head.size, Hash: head.root}
	if _, err := tlog.TreeHash(head.size, tlog.TileHashReader(tree, tiles(served))); err != nil && head.size > 0 {
		return "", fmt.Errorf("tlog.TileHashReader: %v", err)
	}

	// Every checkpoint held from before is a prefix of this tree.
	for _, file := range previous {
		text, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		old, err := open(text, verifier)
		if err != nil {
			return "", fmt.Errorf("%s: %v", file, err)
		}
		if old.size > head.size {
			return "", fmt.Errorf("%s: the log shrank from %d to %d", file, old.size, head.size)
		}
		proof, err := tlog.ProveTree(head.size, old.size, reader)
		if err != nil {
			return "", err
		}
		if err := tlog.CheckTree(proof, head.size, head.root, old.size, old.root); err != nil {
			return "", fmt.Errorf("%s (size %d) is not a prefix of the audited tree: %v", file, old.size, err)
		}
	}
	if save != "" {
		if err := os.WriteFile(save, signed, 0o644); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("audited %s: %d entries, %d tiles, %d entry bundles, root %s as signed; %d earlier checkpoints agree",
		head.origin, head.size, len(served), bundles, head.root, len(previous)), nil
}

// open verifies the note with the log's key, whose name must be the checkpoint's origin
// (C2SP tlog-checkpoint), and parses origin, size and root hash.
func open(text []byte, verifier note.Verifier) (checkpoint, error) {
	n, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, err
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return checkpoint{}, errors.New("not a checkpoint: origin, size and root hash lines")
	}
	if lines[0] != verifier.Name() {
		return checkpoint{}, fmt.Errorf("origin %q is not the key's name %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("malformed tree size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("malformed root hash %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return checkpoint{lines[0], size, root}, nil
}

// tilePath is the C2SP tlog-tiles path: no height element (Go's sumdb has one), and
// "entries" for the entry bundle at a level 0 tile's place.
func tilePath(t tlog.Tile, entries bool) string {
	n := fmt.Sprintf("%03d", t.N%1000)
	for rest := t.N / 1000; rest > 0; rest /= 1000 {
		n = fmt.Sprintf("x%03d/%s", rest%1000, n)
	}
	level := strconv.Itoa(t.L)
	if entries {
		level = "entries"
	}
	if t.W != 1<<tileHeight {
		n += ".p/" + strconv.Itoa(t.W)
	}
	return "tile/" + level + "/" + n
}

func splitBundle(bundle []byte) ([][]byte, error) {
	var entries [][]byte
	for len(bundle) > 0 {
		if len(bundle) < 2 {
			return nil, errors.New("a truncated length prefix")
		}
		size := int(binary.BigEndian.Uint16(bundle))
		if len(bundle) < 2+size {
			return nil, errors.New("a truncated entry")
		}
		entries = append(entries, bundle[2:2+size])
		bundle = bundle[2+size:]
	}
	return entries, nil
}

func fetch(url string) ([]byte, error) {
	response, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, err
	}
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, response.Status)
	}
	return body, nil
}

// tiles serves tlog.TileHashReader the tiles already fetched (a tile it wants that the
// layout did not list is an error: it would be one the checkpoint does not need).
type tiles map[tlog.Tile][]byte

func (s tiles) Height() int { return tileHeight }
func (s tiles) ReadTiles(want []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(want))
	for i, t := range want {
		data, ok := s[t]
		if !ok {
			return nil, fmt.Errorf("tile %s was not fetched", tilePath(t, false))
		}
		out[i] = data
	}
	return out, nil
}
func (s tiles) SaveTiles([]tlog.Tile, [][]byte) {}

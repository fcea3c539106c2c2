// An independent check of a candor log with golang.org/x/mod/sumdb (note and tlog),
// built by candor's interop test against Debian's golang-golang-x-mod-dev (x/mod 0.7.0).
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// tilePath is the C2SP tlog-tiles path; x/mod 0.7.0's Tile.Path is the older tile/H/L/N form.
func tilePath(t tlog.Tile) string {
	n := fmt.Sprintf("%03d", t.N%1000)
	for x := t.N / 1000; x > 0; x /= 1000 {
		n = fmt.Sprintf("x%03d/%s", x%1000, n)
	}
	level := strconv.Itoa(t.L)
	if t.L == -1 {
		level = "entries"
	}
	p := "tile/" + level + "/" + n
	if t.W != 1<<uint(t.H) {
		p += ".p/" + strconv.Itoa(t.W)
	}
	return p
}

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }
func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}
func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(filepath.Join(d.dir, tilePath(t)))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

type checkpoint struct {
	size int64
	root tlog.Hash
}

func openCheckpoint(msg []byte, v note.Verifier) checkpoint {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("checkpoint text %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("root: %v", err)
	}
	return checkpoint{size, root}
}

func entry(dir string, size, index int64) []byte {
	w := size - index/256*256
	if w > 256 {
		w = 256
	}
	t := tlog.Tile{H: 8, L: -1, N: index / 256, W: int(w)}
	b, err := os.ReadFile(filepath.Join(dir, tilePath(t)))
	if err != nil {
		fail("bundle: %v", err)
	}
	for i := int64(0); ; i++ {
		if len(b) < 2 {
			fail("bundle %s too short", tilePath(t))
		}
		n := int(binary.BigEndian.Uint16(b))
		if i == index%256 {
			return b[2 : 2+n]
		}
		b = b[2+n:]
	}
}

func checkLog(dir, vkey, olds, proofs string) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("NewVerifier: %v", err)
	}
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	cp := openCheckpoint(msg, v)
	// TileHashReader authenticates every tile it reads against the tree hash.
	hr := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, dirTiles{dir})
	th, err := tlog.TreeHash(cp.size, hr)
	if err != nil || th != cp.root {
		fail("TreeHash(%d) = %v, %v; checkpoint root %v", cp.size, th, err, cp.root)
	}
	records := 0
	for i := int64(0); i < cp.size; i++ {
		if cp.size > 1000 && i%97 != 0 && i < cp.size-300 {
			continue
		}
		p, err := tlog.ProveRecord(cp.size, i, hr)
		if err != nil {
			fail("ProveRecord(%d, %d): %v", cp.size, i, err)
		}
		if err := tlog.CheckRecord(p, cp.size, cp.root, i, tlog.RecordHash(entry(dir, cp.size, i))); err != nil {
			fail("CheckRecord(%d): %v", i, err)
		}
		records++
	}
	trees := 0
	for _, f := range strings.Split(olds, ",") {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		old := openCheckpoint(b, v)
		if old.size == 0 || old.size == cp.size {
			continue // x/mod 0.7.0: TreeHash(0) is all zeros, and there is nothing to prove
		}
		p, err := tlog.ProveTree(cp.size, old.size, hr)
		if err != nil {
			fail("ProveTree(%d, %d): %v", cp.size, old.size, err)
		}
		if err := tlog.CheckTree(p, cp.size, cp.root, old.size, old.root); err != nil {
			fail("CheckTree(%d -> %d): %v", old.size, cp.size, err)
		}
		trees++
	}
	proofFiles := 0
	for _, f := range strings.Split(proofs, ",") {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		checkProofFile(dir, b, v)
		proofFiles++
	}
	fmt.Printf("ok: size %d, %d record proofs, %d tree proofs, %d tlog-proof files\n", cp.size, records, trees, proofFiles)
}

// checkProofFile parses a C2SP tlog-proof independently and checks it with tlog.CheckRecord.
func checkProofFile(dir string, b []byte, v note.Verifier) {
	parts := bytes.SplitN(b, []byte("\n\n"), 2)
	if len(parts) != 2 {
		fail("tlog-proof: no blank line")
	}
	lines := strings.Split(string(parts[0]), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		fail("tlog-proof header %q", lines[0])
	}
	lines = lines[1:]
	if strings.HasPrefix(lines[0], "extra ") {
		lines = lines[1:]
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil {
		fail("tlog-proof index: %v", err)
	}
	var proof tlog.RecordProof
	for _, l := range lines[1:] {
		h, err := tlog.ParseHash(l)
		if err != nil {
			fail("tlog-proof hash: %v", err)
		}
		proof = append(proof, h)
	}
	cp := openCheckpoint(parts[1], v)
	if err := tlog.CheckRecord(proof, cp.size, cp.root, index, tlog.RecordHash(entry(dir, cp.size, index))); err != nil {
		fail("tlog-proof for %d: %v", index, err)
	}
}

func main() {
	dir := flag.String("dir", "", "tlog-tiles folder to check")
	vkey := flag.String("vkey", "", "verifier key")
	olds := flag.String("old", "", "comma-separated older checkpoint files")
	proofs := flag.String("proofs", "", "comma-separated tlog-proof files")
	skeyFile := flag.String("sign-with", "", "sign stdin with this private key file and print the note")
	gen := flag.String("genkey", "", "generate a key with this name; print skey, vkey and a signed note")
	flag.Parse()
	switch {
	case *gen != "":
		skey, vk, err := note.GenerateKey(rand.Reader, *gen)
		if err != nil {
			fail("GenerateKey: %v", err)
		}
		s, _ := note.NewSigner(skey)
		msg, err := note.Sign(&note.Note{Text: "signed by go\n"}, s)
		if err != nil {
			fail("Sign: %v", err)
		}
		fmt.Printf("%s\n%s\n%s", skey, vk, base64.StdEncoding.EncodeToString(msg))
	case *skeyFile != "":
		k, err := os.ReadFile(*skeyFile)
		if err != nil {
			fail("%v", err)
		}
		s, err := note.NewSigner(strings.TrimSpace(string(k)))
		if err != nil {
			fail("NewSigner on candor's private key: %v", err)
		}
		msg, err := note.Sign(&note.Note{Text: "signed by go with candor's key\n"}, s)
		if err != nil {
			fail("Sign: %v", err)
		}
		os.Stdout.Write(msg)
	default:
		checkLog(*dir, *vkey, *olds, *proofs)
	}
}

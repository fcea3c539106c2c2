// An independent check of candor's witness cosignatures (C2SP tlog-cosignature, Ed25519
// cosignature/v1), written from the spec with Go's crypto/ed25519 and x/mod's sumdb/note
// (which opens the log's own signature and leaves the cosignature line unverified).
//
//	cosignature -check CHECKPOINT -log LOGVKEY -witness WITNESSVKEY   prints "cosigned NAME TIME"
//	cosignature -cosign CHECKPOINT -name NAME -time T                  prints the vkey, then the checkpoint with a Go cosignature added
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func keyID(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{0x04})
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

func message(text string, t uint64) []byte {
	return []byte("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n" + text)
}

func check(file, logVkey, witnessVkey string) {
	msg, err := os.ReadFile(file)
	if err != nil {
		fail("%v", err)
	}
	v, err := note.NewVerifier(logVkey)
	if err != nil {
		fail("log vkey: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open: %v", err)
	}
	parts := strings.SplitN(witnessVkey, "+", 3)
	if len(parts) != 3 {
		fail("witness vkey: want name+id+key")
	}
	name := parts[0]
	id, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		fail("witness vkey id: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		fail("witness vkey: want base64(0x04 || 32-byte key)")
	}
	pub := ed25519.PublicKey(raw[1:])
	if keyID(name, pub) != uint32(id) {
		fail("witness key id does not match SHA-256(name || \\n || 0x04 || key)[:4]")
	}
	found := false
	for _, sig := range n.UnverifiedSigs {
		if sig.Name != name || sig.Hash != uint32(id) {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(sig.Base64)
		if err != nil || len(blob) != 4+8+64 {
			fail("cosignature line: want keyid || timestamp || 64-byte signature")
		}
		t := binary.BigEndian.Uint64(blob[4:12])
		if !ed25519.Verify(pub, message(n.Text, t), blob[12:]) {
			fail("cosignature by %s does not verify", name)
		}
		fmt.Printf("cosigned %s %d\n", name, t)
		found = true
	}
	if !found {
		fail("no cosignature by %s", name)
	}
}

func cosign(file, name string, t uint64) {
	msg, err := os.ReadFile(file)
	if err != nil {
		fail("%v", err)
	}
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		fail("not a signed note")
	}
	text := string(msg[:i+1])
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		fail("%v", err)
	}
	id := keyID(name, pub)
	blob := make([]byte, 12, 76)
	binary.BigEndian.PutUint32(blob[:4], id)
	binary.BigEndian.PutUint64(blob[4:12], t)
	blob = append(blob, ed25519.Sign(priv, message(text, t))...)
	fmt.Printf("%s+%08x+%s\n", name, id, base64.StdEncoding.EncodeToString(append([]byte{0x04}, pub...)))
	os.Stdout.Write(msg)
	fmt.Printf("\u2014 %s %s\n", name, base64.StdEncoding.EncodeToString(blob))
}

func main() {
	checkFile := flag.String("check", "", "signed checkpoint to check")
	logVkey := flag.String("log", "", "the log's verifier key")
	witness := flag.String("witness", "", "the witness's verifier key (type 0x04)")
	cosignFile := flag.String("cosign", "", "signed checkpoint to cosign with a new Go key")
	name := flag.String("name", "", "the Go witness's name")
	t := flag.Uint64("time", 0, "the cosignature's timestamp")
	flag.Parse()
	if *cosignFile != "" {
		cosign(*cosignFile, *name, *t)
	} else {
		check(*checkFile, *logVkey, *witness)
	}
}

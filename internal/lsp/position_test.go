package lsp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLineIndexEncodings(t *testing.T) {
	// é is 2 bytes and 1 UTF-16 unit; 𝄞 is 4 bytes and 2 UTF-16 units.
	const text = "é𝄞x\r\nab\n"
	x := map[string]int{encodingUTF8: 7, encodingUTF16: 4, encodingUTF32: 3} // the column of x
	for enc, col := range x {
		ix := newLineIndex(text, enc)
		at := len("é𝄞")
		assert.Equal(t, Position{0, col - 1}, ix.position(at), enc)
		assert.Equal(t, at, ix.offset(Position{0, col - 1}), enc)
		// Line 1, and past the end of a line: its end, before \r\n.
		assert.Equal(t, Position{1, 1}, ix.position(len("é𝄞x\r\na")), enc)
		assert.Equal(t, len("é𝄞x"), ix.offset(Position{0, 99}), enc)
		assert.Equal(t, len(text), ix.offset(Position{5, 0}), enc)
	}
}

func TestChooseEncoding(t *testing.T) {
	assert.Equal(t, encodingUTF8, chooseEncoding([]string{"utf-16", "utf-8"}))
	assert.Equal(t, encodingUTF16, chooseEncoding([]string{"utf-32"}))
	assert.Equal(t, encodingUTF16, chooseEncoding(nil))
}

func TestURIRoundTrip(t *testing.T) {
	path := "/tmp/a dir/ünï #1.sql"
	uri := pathToURI(path)
	assert.Equal(t, "file:///tmp/a%20dir/%C3%BCn%C3%AF%20%231.sql", uri)
	got, err := uriToPath(uri)
	assert.NoError(t, err)
	assert.Equal(t, path, got)
	_, err = uriToPath("untitled:Untitled-1")
	assert.Error(t, err)
}

package tool

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAtlasSum checks atlas.sum against the file that `atlas migrate hash`
// writes for the same two files, and for an empty folder.
func TestAtlasSum(t *testing.T) {
	path, text, ok := atlasSum("m", map[string]string{
		"m/1_a.sql": "SELECT 1;\n",
		"m/2_b.sql": "SELECT 2;\n",
		"m/README":  "not a migration",
		"x/3_c.sql": "SELECT 3;\n",
	})
	assert.True(t, ok)
	assert.Equal(t, "m/atlas.sum", path)
	assert.Equal(t, "h1:VNvw0pDgavFX/sdOa4OQ4cdfXK8LyCjaMKnLrKqiXHs=\n"+
		"1_a.sql h1:oHx7vmeRbxB72kdSGUkFhE08red3y82zeqcbzCxkGjo=\n"+
		"2_b.sql h1:jqdn/UCU1bnj96EwRLYv9FRnrwv3yIEfGHtJessEvPM=\n", text)

	_, empty, _ := atlasSum("m", map[string]string{})
	assert.Equal(t, "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", empty)
}

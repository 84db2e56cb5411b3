//go:build unix

package source_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/source"
)

func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	tree(t, map[string]string{
		"m/1_good.sql": "SELECT 1;",
		"m/3_good.sql": "SELECT 3;",
	})
	fifo := filepath.Join("m", "2_pipe.sql")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	// Were the pipe opened for reading, this writer would feed it a
	// statement and the pipe would load as a file; since it must not be
	// opened, the writer is released at the end by a reader of our own.
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			_, _ = f.WriteString("SELECT 2;")
			_ = f.Close()
		}
	}()
	t.Cleanup(func() {
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			<-wrote
			_ = r.Close()
		}
	})

	files, errs := source.Load([]string{"m", os.DevNull}, source.Options{})
	assert.Equal(t, []string{"m/1_good.sql", "m/3_good.sql"}, paths(files))
	require.Equal(t, []string{"m/2_pipe.sql", os.DevNull}, errorPaths(t, errs))
	assert.Contains(t, errs[0].Error(), "not a regular file but a named pipe (FIFO): not read")
	assert.Contains(t, errs[1].Error(), "not a regular file but a character device")
}

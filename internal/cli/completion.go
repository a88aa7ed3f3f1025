package cli

import (
	"github.com/spf13/cobra"
)

// newCompletionCommand is `encimport completion bash|zsh|fish`: the shell's
// completion script on standard output (cobra's, completing commands,
// flags, their values and the input files).
func newCompletionCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "the shell completion script for bash, zsh or fish",
		Long: `Print the completion script of bash, zsh or fish on standard output: commands,
flags, the values a flag takes and the input files complete with Tab.`,
		Example: `source <(encimport completion bash)                 # this shell; in ~/.bashrc for every one
encimport completion zsh > "${fpath[1]}/_encimport"  # then start a new zsh
encimport completion fish > ~/.config/fish/completions/encimport.fish`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("completion needs the shell: bash, zsh or fish")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			out := c.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return usagef("completion %q: give bash, zsh or fish", args[0])
		},
	}
}

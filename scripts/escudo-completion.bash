# Bash completion for escudo: commands, options and option values, answered by escudo itself
# through System.CommandLine's [suggest] directive. Use: source scripts/escudo-completion.bash
# (or copy it to /etc/bash_completion.d/escudo).
_escudo_complete() {
  local IFS=$'\n'
  local suggestions
  suggestions=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) || return 0
  COMPREPLY=($(compgen -W "$suggestions" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _escudo_complete escudo

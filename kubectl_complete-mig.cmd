@echo off
rem Shell completion for `kubectl mig` on Windows (kubectl 1.26+): kubectl runs this file,
rem found on PATH, with the words typed after `kubectl mig`.
kubectl-mig.exe __complete %*

# Build 大帮教工作台 for Windows 10/11 x64 and its installer. Run in PowerShell on Windows with
# uv and Inno Setup 6.3+ installed (no administrator rights needed):
#   powershell -ExecutionPolicy Bypass -File tools\build_windows.ps1
# Gives dist\BangjiaoDesk\ (BangjiaoDesk.exe windowed, bangjiao.exe for commands) and
# dist\BangjiaoDesk-setup-<version>.exe.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

uv run --group build python tools/build.py
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

# The console executable prints (UTF-8 whatever the code page); the windowed one has no console.
& dist\BangjiaoDesk\bangjiao.exe --help > dist\help.txt
if ($LASTEXITCODE -ne 0) { throw "bangjiao.exe --help failed" }

$iscc = @(
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe",
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe"
) | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $iscc) { throw "Inno Setup 6 (ISCC.exe) not found" }

$version = uv run python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
& $iscc "/DAppVersion=$version" packaging\windows\bangjiao.iss
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Get-Item "dist\BangjiaoDesk-setup-$version.exe" | Select-Object Name, Length

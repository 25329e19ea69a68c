; Inno Setup 6 script for 大帮教工作台 on Windows 10/11 x64: a Chinese installer, per user, no
; administrator rights. It packs dist\BangjiaoDesk (tools/build.py on Windows) and is built by
; tools\build_windows.ps1, or by hand:  ISCC.exe /DAppVersion=0.1.0 packaging\windows\bangjiao.iss
; Saved as UTF-8 with a BOM (Inno Setup reads the Chinese text that way).
; The names below must match app/distribution.py (tests/test_packaging.py checks them).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "大帮教工作台"
#define GuiExe "BangjiaoDesk.exe"
#define CliExe "bangjiao.exe"
#define Folder "BangjiaoDesk"
#define PackageExt ".bjpkg"
#define ProgId "BangjiaoDesk.Package"

[Setup]
AppId={{6F0C7E52-9B3A-4D1E-A8F4-2C5B7D9E1A36}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
; Per user, without administrator rights: %LOCALAPPDATA%\Programs\BangjiaoDesk. The data folder
; %LOCALAPPDATA%\BangjiaoDesk (database, photos, keys, backups, logs) is another folder, which
; neither an upgrade nor the uninstaller touches.
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#Folder}
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=BangjiaoDesk-setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\bangjiao-desk.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes

[Languages]
; Official in Inno Setup 6.3 and later (before it: Languages\Unofficial\ChineseSimplified.isl).
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "..\..\dist\{#Folder}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; Started in Documents (文档), never in the install folder.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{userdocs}"; Comment: "县司法局社区矫正“大帮教”办公程序"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Registry]
; .bjpkg data packages open in 大帮教工作台 (its import preview), registered for this user only.
Root: HKCU; Subkey: "Software\Classes\{#PackageExt}"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\{#PackageExt}\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "大帮教工作台数据包"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#GuiExe},0"
Root: HKCU; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#GuiExe}"" ""%1"""
Root: HKCU; Subkey: "Software\Classes\Applications\{#GuiExe}\SupportedTypes"; ValueType: string; ValueName: "{#PackageExt}"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; WorkingDir: "{userdocs}"; Flags: nowait postinstall skipifsilent

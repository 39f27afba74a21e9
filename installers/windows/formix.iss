; Inno Setup 6 script: dist\formix-<version>-windows-x64-setup.exe from the PyInstaller folder.
;
; Build on Windows (see installers\README.md for the whole sequence):
;   py -3.11 -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller installers\formix.spec
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installers\windows\formix.iss
;
; IT installs silently, for all users, with the command on PATH:
;   formix-0.1.0-windows-x64-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /ALLUSERS /TASKS="addtopath"
; and checks the installation with:  "C:\Program Files\Formix\formix-cli.exe" selftest

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Formix"
#define Bundle "..\..\dist\formix"

[Setup]
; Never change AppId: upgrades and uninstalls find the installed copy by it.
AppId={{6B1F3C52-8E2A-4C4B-9E57-2E4F1A7D9C31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Formix
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install without admin rights, or for all users (/ALLUSERS or the dialog).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=formix-{#AppVersion}-windows-x64-setup
SetupIconFile=formix.ico
UninstallDisplayIcon={app}\Formix.exe
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes
ChangesAssociations=yes
; A running Formix keeps its DLLs open: ask to close it rather than fail half-way.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the formix-cli command to PATH"; GroupDescription: "Command line:"; Flags: unchecked
Name: "associate"; Description: "Open .formix projects with Formix"; GroupDescription: "Files:"

[InstallDelete]
; An upgrade replaces the whole folder: no module of an older version may linger in _internal.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\engine\demo\data\ATTRIBUTION.md"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\Formix.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\Formix.exe"; Tasks: desktopicon

[Registry]
; .formix projects open in Formix (per user or machine, following the install mode).
Root: HKA; Subkey: "Software\Classes\.formix"; ValueType: string; ValueName: ""; ValueData: "Formix.Project"; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Formix.Project"; ValueType: string; ValueName: ""; ValueData: "Formix project"; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Formix.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Formix.exe,0"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Formix.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Formix.exe"" ""%1"""; Tasks: associate

[Run]
Filename: "{app}\Formix.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
; User data (projects, the plugins folder, settings) lives in %LOCALAPPDATA%\Formix and stays.

[Code]
// PATH: the user's PATH for a per-user install, the machine's for an all-users install.
function PathKeyRoot: Integer;
begin
  if IsAdminInstallMode then Result := HKEY_LOCAL_MACHINE else Result := HKEY_CURRENT_USER;
end;

function PathKey: String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function PathContains(Paths, Dir: String): Boolean;
begin
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') > 0;
end;

procedure AddToPath(Dir: String);
var Paths: String;
begin
  if not RegQueryStringValue(PathKeyRoot, PathKey, 'Path', Paths) then Paths := '';
  if PathContains(Paths, Dir) then exit;
  if (Paths <> '') and (Copy(Paths, Length(Paths), 1) <> ';') then Paths := Paths + ';';
  RegWriteExpandStringValue(PathKeyRoot, PathKey, 'Path', Paths + Dir);
end;

procedure RemoveFromPath(Dir: String);
var Paths: String; P: Integer;
begin
  if not RegQueryStringValue(PathKeyRoot, PathKey, 'Path', Paths) then exit;
  Paths := ';' + Paths + ';';
  P := Pos(';' + Uppercase(Dir) + ';', Uppercase(Paths));
  if P = 0 then exit;
  Delete(Paths, P, Length(Dir) + 1);  { ';A;DIR;B;' -> ';A;B;' }
  if Copy(Paths, 1, 1) = ';' then Delete(Paths, 1, 1);
  if (Length(Paths) > 0) and (Copy(Paths, Length(Paths), 1) = ';') then
    Delete(Paths, Length(Paths), 1);
  RegWriteExpandStringValue(PathKeyRoot, PathKey, 'Path', Paths);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('addtopath') then
    AddToPath(ExpandConstant('{app}'));
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then RemoveFromPath(ExpandConstant('{app}'));
end;

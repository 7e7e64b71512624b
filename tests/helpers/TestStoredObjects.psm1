<#
    What the test Kodo server (tests/AvaSdk.TestServer) holds, read without the product: the keys of a bucket from the
    server's own data folder, an object's bytes through its unsigned download route, an archive unpacked by the
    system's tar.
#>

# The keys stored in -Bucket, read from the server's data folder (<Folder>/objects/<base64url bucket>/<base64url key>).
function Get-TestKodoKey {
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Bucket)
    $decode = { param($name) [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($name.Replace('-', '+').Replace('_', '/'))) }
    $encoded = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Bucket)).Replace('+', '-').Replace('/', '_')
    $dir = Join-Path $Folder "objects/$encoded"
    if (-not (Test-Path -LiteralPath $dir)) { return }
    Get-ChildItem -LiteralPath $dir -File | Where-Object Extension -ne '.hash' | ForEach-Object { & $decode $_.Name } | Sort-Object
}

# Downloads <bucket>/<key> through the server's unsigned route into -Path.
function Save-TestKodoObject {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key, [Parameter(Mandatory)] [string] $Path)
    $escaped = ($Key -split '/' | ForEach-Object { [uri]::EscapeDataString($_) }) -join '/'
    Invoke-WebRequest -Uri "$($Server.Url)/public/$([uri]::EscapeDataString($Bucket))/$escaped" -OutFile $Path
    Get-Item -LiteralPath $Path
}

# Unpacks the tar.gz at <bucket>/<key> into -Destination with the system's tar; returns the extracted files.
function Expand-TestKodoArchive {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key, [Parameter(Mandatory)] [string] $Destination)
    $file = Join-Path ([IO.Path]::GetTempPath()) "avasdk-archive-$([guid]::NewGuid()).tar.gz"
    try {
        $null = Save-TestKodoObject $Server $Bucket $Key $file
        New-Item -ItemType Directory -Force -Path $Destination | Out-Null
        & tar -xzf $file -C $Destination
        if ($LASTEXITCODE -ne 0) { throw "tar could not unpack $Bucket/$Key (exit code $LASTEXITCODE)." }
        Get-ChildItem -LiteralPath $Destination -Recurse -File -Force
    } finally { Remove-Item -LiteralPath $file -ErrorAction Ignore }
}

Export-ModuleMember -Function Get-TestKodoKey, Save-TestKodoObject, Expand-TestKodoArchive

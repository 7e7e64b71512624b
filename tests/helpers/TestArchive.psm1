# Reads a model archive the test server stored, with the system's tar (an independent reader of the product's tar.gz).

# The member names of the tar.gz at <bucket>/<key>, fetched through the test server's unsigned download route.
function Get-TestKodoArchiveMember {
    param($Server, [string] $Bucket, [string] $Key)
    $path = ($Key -split '/' | ForEach-Object { [uri]::EscapeDataString($_) }) -join '/'
    $file = Join-Path ([IO.Path]::GetTempPath()) "avasdk-archive-$([guid]::NewGuid()).tar.gz"
    try {
        Invoke-WebRequest -Uri "$($Server.Url)/public/$Bucket/$path" -OutFile $file
        $members = & tar -tzf $file
        if ($LASTEXITCODE -ne 0) { throw "tar could not read $Bucket/$Key as a tar.gz (exit code $LASTEXITCODE)." }
        $members
    } finally { Remove-Item $file -ErrorAction Ignore }
}

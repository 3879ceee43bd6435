namespace HiPO.Gguf;

/// <summary>
/// The write-only stream a tensor producer writes into: it forwards to the file, refuses bytes
/// beyond the declared size, and reports progress over the whole data section (the writer itself reports 0 and 1).
/// </summary>
internal sealed class TensorDataStream(
    Stream file,
    string tensorName,
    long byteSize,
    long writtenBefore,
    long totalBytes,
    IProgress<double>? progress,
    CancellationToken cancellationToken) : Stream
{
    private const double ReportStep = 0.005;

    private long _written;
    private double _lastReported = -1;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_written + buffer.Length > byteSize)
        {
            throw new InvalidOperationException(
                $"Tensor '{tensorName}' is declared with {byteSize} bytes, but its producer wrote more.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        file.Write(buffer);
        _written += buffer.Length;
        if (progress is not null)
        {
            double fraction = (double)(writtenBefore + _written) / totalBytes;
            if (fraction - _lastReported >= ReportStep && fraction < 1)
            {
                _lastReported = fraction;
                progress.Report(fraction);
            }
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public void EnsureComplete()
    {
        if (_written != byteSize)
        {
            throw new InvalidOperationException(
                $"Tensor '{tensorName}' is declared with {byteSize} bytes, but its producer wrote {_written}.");
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Serving;

/// <summary>
/// Serves generation requests for one base model, each with its own adapter (or none), by decoding them together:
/// one loop on its own thread runs steps over the streams running now; a request joins at the next step and leaves
/// as soon as it ends, without waiting for the others (continuous batching, as in Orca and vLLM). Each step feeds
/// every decoding stream its last token and gives prefilling streams a chunk of their prompt within a token budget
/// (<see cref="BatcherOptions"/>), runs them as one ragged step (<see cref="InferenceSession.ForwardRagged"/>: base
/// products once over all rows, each adapter's low-rank delta on its own rows, attention per stream over its own
/// cache), and chooses each stream's next token with its own <see cref="TokenSampler"/>.
/// </summary>
/// <remarks>
/// <para>Exactness: a stream gets the tokens <see cref="TokenGenerator"/> gives it alone on the same base with the
/// same adapter attached — exactly for greedy float32 decoding up to floating-point ties (the shared products round
/// differently with more rows), and with seeded sampling draws from the same generator sequence.</para>
/// <para>Threads: <see cref="Submit"/> may be called from any thread; all tensor work happens on the loop's thread
/// (dispose scopes are thread-local). The base model must stay unchanged while the batcher serves it: a change of
/// its weights fails the running streams.</para>
/// </remarks>
/// <example><code>
/// using var batcher = new ContinuousBatcher(model);
/// var stream = batcher.Submit(promptIds, new GenerationOptions { MaxNewTokens = 64 }, cache.Acquire("ada"));
/// var tokens = stream.ReadAll();
/// </code></example>
public sealed class ContinuousBatcher : IDisposable
{
    readonly CausalLanguageModel model;
    readonly BatcherOptions options;
    readonly ConcurrentQueue<Request> submitted = new();
    readonly SemaphoreSlim wake = new(0);
    readonly Thread loop;
    volatile bool stopping;
    int queued, running;
    long steps;

    public ContinuousBatcher(CausalLanguageModel model, BatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.options = options ?? new BatcherOptions();
        this.options.Validate();
        this.model = model;
        model.eval();
        loop = new Thread(Run) { IsBackground = true, Name = "continuous-batcher" };
        loop.Start();
    }

    /// <summary>Requests waiting for a place in the batch.</summary>
    public int QueuedStreams => Volatile.Read(ref queued);

    /// <summary>Streams in the batch now (prefilling or decoding).</summary>
    public int RunningStreams => Volatile.Read(ref running);

    /// <summary>Steps run so far.</summary>
    public long Steps => Interlocked.Read(ref steps);

    /// <summary>
    /// Queues a request; it joins the batch at the next step with room. The batcher takes the lease (null: the bare
    /// base) and disposes it when the stream ends, so the adapter stays pinned while the stream runs.
    /// </summary>
    /// <exception cref="BadInputException">An empty prompt, or one longer than the model's context.</exception>
    /// <exception cref="ArgumentException">Token ids outside the vocabulary, invalid options, or an adapter of another model.</exception>
    public BatchedStream Submit(IReadOnlyList<int> promptIds, GenerationOptions generation, AdapterLease? adapter = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(generation);
        ObjectDisposedException.ThrowIf(stopping, this);
        generation.Validate();
        var config = model.Config;
        // As TokenGenerator checks: the prompt is the user's text, ids outside the vocabulary the caller's mistake.
        if (promptIds.Count == 0) throw new BadInputException("the prompt must hold at least one token");
        if (promptIds.Any(id => id < 0 || id >= config.VocabularySize))
            throw new ArgumentException($"prompt token ids must lie in [0, {config.VocabularySize})", nameof(promptIds));
        if (promptIds.Count > config.MaxPositions)
            throw new BadInputException($"the prompt has {promptIds.Count} tokens; the model's context is {config.MaxPositions}: shorten it");
        if (adapter is not null && !ReferenceEquals(adapter.Weights.Model, model))
            throw new ArgumentException("the adapter was loaded for another base model than this batcher's", nameof(adapter));

        var request = new Request(promptIds.ToArray(), generation, adapter, cancellation);
        if (generation.MaxNewTokens == 0)
        {
            request.Finish(StreamFinishReason.Length);
            return request.Stream;
        }
        // A cancelled request waiting in the queue leaves it at once: wake the loop to notice.
        request.Registration = cancellation.Register(() => wake.Release());
        Interlocked.Increment(ref queued);
        submitted.Enqueue(request);
        wake.Release();
        return request.Stream;
    }

    void Run()
    {
        var waiting = new LinkedList<Request>();
        var active = new List<ActiveStream>();
        InferenceSession? session = null;
        try
        {
            while (!stopping)
            {
                while (submitted.TryDequeue(out var request)) waiting.AddLast(request);
                DropCancelledWaiting(waiting);
                if (waiting.Count > 0 && active.Count < options.MaxStreams)
                    session = InferenceSession.Current(ref session, model);
                while (waiting.First is { } first && active.Count < options.MaxStreams)
                {
                    waiting.RemoveFirst();
                    Interlocked.Decrement(ref queued);
                    try
                    {
                        active.Add(new ActiveStream(first.Value, session!, model.Config));
                        first.Value.Stream.JoinedAtStep = Steps;
                        Interlocked.Increment(ref running);
                    }
                    catch (Exception error)
                    {
                        first.Value.Fail(error); // e.g. no memory for its cache: this request fails, the others go on
                    }
                }
                active.RemoveAll(stream => stream.Request.Cancellation.IsCancellationRequested && Leave(stream, StreamFinishReason.Cancelled));
                if (active.Count == 0)
                {
                    if (waiting.Count == 0) wake.Wait();
                    continue;
                }
                try
                {
                    Step(session!, active);
                }
                catch (Exception error)
                {
                    // A failed step leaves every stream's cache in an unknown state: end them all with the error.
                    foreach (var stream in active) Leave(stream, error);
                    active.Clear();
                }
                Interlocked.Increment(ref steps);
            }
        }
        finally
        {
            var disposed = new ObjectDisposedException(nameof(ContinuousBatcher), "the batcher was disposed before the stream ended");
            foreach (var stream in active) Leave(stream, disposed);
            while (submitted.TryDequeue(out var request)) waiting.AddLast(request);
            foreach (var request in waiting) request.Fail(disposed);
            session?.Dispose();
        }
    }

    void DropCancelledWaiting(LinkedList<Request> waiting)
    {
        for (var node = waiting.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Cancellation.IsCancellationRequested)
            {
                waiting.Remove(node);
                Interlocked.Decrement(ref queued);
                node.Value.Finish(StreamFinishReason.Cancelled);
            }
            node = next;
        }
    }

    /// <summary>One ragged step: feeds each stream its share of rows, then delivers each completed stream's next token.</summary>
    void Step(InferenceSession session, List<ActiveStream> active)
    {
        using var scope = NewDisposeScope();
        var fed = new List<(ActiveStream Stream, RaggedSegment Segment)>();
        foreach (var stream in active.Where(stream => stream.Decoding))
            fed.Add((stream, new RaggedSegment(stream.Cache, [stream.LastToken], stream.Adapter, NeedsLogits: true)));
        int budget = options.StepTokenBudget - fed.Count;
        bool first = true;
        foreach (var stream in active.Where(stream => !stream.Decoding))
        {
            int chunk = Math.Min(options.PrefillChunkTokens, stream.PromptRemaining);
            if (!first) chunk = Math.Min(chunk, budget);
            if (chunk <= 0) break;
            first = false;
            budget -= chunk;
            var tokens = new ArraySegment<int>(stream.Request.PromptIds, stream.PromptFed, chunk);
            stream.PromptFed += chunk;
            fed.Add((stream, new RaggedSegment(stream.Cache, tokens, stream.Adapter, NeedsLogits: stream.PromptRemaining == 0)));
        }
        // Streams of one adapter side by side: their rows form one run, one delta product per adapter and projection.
        var ordered = fed.GroupBy(entry => (object?)entry.Segment.Adapter ?? NoAdapter).SelectMany(group => group).ToList();
        var logits = session.ForwardRagged(ordered.Select(entry => entry.Segment).ToList()); // (streams with logits, vocab)
        var choosing = ordered.Where(entry => entry.Segment.NeedsLogits).Select(entry => entry.Stream).ToList();
        int[]? greedy = choosing.Any(stream => stream.PlainGreedy) ? GreedyChoice.PerRow(logits) : null;
        for (int row = 0; row < choosing.Count; row++)
        {
            var stream = choosing[row];
            int next;
            if (stream.PlainGreedy) next = greedy![row];
            else
            {
                using var rowLogits = logits[row];
                next = stream.Sampler.Next(rowLogits, stream.Seen);
            }
            var token = stream.Request.Options.TopLogprobs is int alternatives ? WithLogprobs(logits, row, next, alternatives) : new GeneratedToken(next);
            if (stream.Deliver(token) is { } finished && Leave(stream, finished)) active.Remove(stream);
        }
    }

    static readonly object NoAdapter = new();

    /// <summary>The chosen token's log-probability and the most likely alternatives, from the row's raw logits.</summary>
    static GeneratedToken WithLogprobs(Tensor logits, int row, int chosen, int alternatives)
    {
        using var scope = NewDisposeScope();
        var logprobs = logits[row].to(ScalarType.Float32).log_softmax(0);
        float chosenLogprob = logprobs[chosen].item<float>();
        if (alternatives == 0) return new GeneratedToken(chosen, chosenLogprob, []);
        var (values, ids) = logprobs.topk(alternatives);
        var top = values.data<float>().ToArray().Zip(ids.data<long>().ToArray(), (value, id) => new TokenLogprob((int)id, value)).ToList();
        return new GeneratedToken(chosen, chosenLogprob, top);
    }

    bool Leave(ActiveStream stream, StreamFinishReason reason)
    {
        stream.Dispose();
        Interlocked.Decrement(ref running);
        stream.Request.Stream.LeftAtStep = Steps;
        stream.Request.Finish(reason);
        return true;
    }

    void Leave(ActiveStream stream, Exception error)
    {
        stream.Dispose();
        Interlocked.Decrement(ref running);
        stream.Request.Fail(error);
    }

    /// <summary>Stops the loop: streams still running or queued fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (stopping) return;
        stopping = true;
        wake.Release();
        loop.Join();
        wake.Dispose();
    }

    /// <summary>A submitted request and the channel its tokens go to.</summary>
    sealed class Request
    {
        readonly Channel<GeneratedToken> tokens = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        readonly TaskCompletionSource<StreamFinishReason> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Request(int[] promptIds, GenerationOptions options, AdapterLease? adapter, CancellationToken cancellation)
        {
            PromptIds = promptIds;
            Options = options;
            Adapter = adapter;
            Cancellation = cancellation;
            Stream = new BatchedStream(tokens.Reader, completion.Task);
        }

        public int[] PromptIds { get; }
        public GenerationOptions Options { get; }
        public AdapterLease? Adapter { get; }
        public CancellationToken Cancellation { get; }
        public CancellationTokenRegistration Registration { get; set; }
        public BatchedStream Stream { get; }

        public void Write(GeneratedToken token) => tokens.Writer.TryWrite(token);

        public void Finish(StreamFinishReason reason)
        {
            Release();
            if (reason == StreamFinishReason.Cancelled) tokens.Writer.TryComplete(new OperationCanceledException(Cancellation));
            else tokens.Writer.TryComplete();
            completion.TrySetResult(reason);
        }

        public void Fail(Exception error)
        {
            Release();
            tokens.Writer.TryComplete(error);
            completion.TrySetException(error);
        }

        void Release()
        {
            Registration.Dispose();
            Adapter?.Dispose();
        }
    }

    /// <summary>A request in the batch: its cache, sampler and progress. Lives on the loop's thread.</summary>
    sealed class ActiveStream : IDisposable
    {
        readonly HashSet<int> stopIds;
        readonly int capacity;
        int produced;

        public ActiveStream(Request request, InferenceSession session, TransformerConfig config)
        {
            Request = request;
            var options = request.Options;
            // As TokenGenerator: room for the prompt and the new tokens, within the model's context.
            capacity = ContextWindow.Capacity(config, request.PromptIds.Length, options.MaxNewTokens);
            stopIds = config.EosTokenIds.Concat(options.StopTokenIds).ToHashSet();
            Seen = new List<int>(request.PromptIds);
            PlainGreedy = options.ChoosesRawArgmax;
            Sampler = new TokenSampler(options);
            Cache = session.CreateStreamCache(capacity);
        }

        public Request Request { get; }
        public KeyValueCache Cache { get; }
        public TokenSampler Sampler { get; }
        public List<int> Seen { get; }
        public AdapterWeights? Adapter => Request.Adapter?.Weights;

        /// <summary>Greedy without a repetition penalty or watermark: the batch's one greedy scan gives the choice.</summary>
        public bool PlainGreedy { get; }

        public int PromptFed { get; set; }
        public int PromptRemaining => Request.PromptIds.Length - PromptFed;
        public bool Decoding => PromptRemaining == 0;
        public int LastToken { get; private set; }

        /// <summary>Takes the chosen token: delivers it, or returns why the stream ends (as TokenGenerator ends).</summary>
        public StreamFinishReason? Deliver(GeneratedToken token)
        {
            if (stopIds.Contains(token.Id)) return StreamFinishReason.Stop;
            Request.Write(token);
            Seen.Add(token.Id);
            LastToken = token.Id;
            produced++;
            return produced >= Request.Options.MaxNewTokens || Cache.Length >= capacity ? StreamFinishReason.Length : null;
        }

        public void Dispose()
        {
            Cache.Dispose();
            Sampler.Dispose();
        }
    }
}

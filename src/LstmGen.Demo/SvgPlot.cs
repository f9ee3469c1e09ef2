using System.Globalization;
using System.Text;

namespace LstmGen.Demo;

/// <summary>
/// A small dependency-free SVG line chart of loss curves (log-scale y), one polyline per series, epoch ticks on x and
/// dashed horizontal reference lines (a task's baseline, say).
/// </summary>
public static class SvgPlot
{
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];

    public static string Render(string title, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series,
        IReadOnlyList<(string Name, double Value)>? references = null)
    {
        references ??= [];
        const int width = 880, height = 420, left = 70, right = 250, top = 40, bottom = 50;
        double plotW = width - left - right, plotH = height - top - bottom;
        var finite = series.SelectMany(s => s.Values).Concat(references.Select(r => r.Value)).Where(v => v > 0 && double.IsFinite(v)).ToList();
        double lo = finite.Count > 0 ? Math.Log10(finite.Min()) : -3;
        double hi = finite.Count > 0 ? Math.Log10(finite.Max()) : 0;
        lo = Math.Floor(lo);
        hi = Math.Ceiling(hi);
        if (hi <= lo)
        {
            hi = lo + 1;
        }

        int maxLen = Math.Max(2, series.Max(s => s.Values.Count));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        for (double d = lo; d <= hi; d++)
        {
            double y = top + plotH - ((d - lo) / (hi - lo) * plotH);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{left + plotW}\" y2=\"{y:0.#}\" stroke=\"#ddd\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">1e{d:0}</text>\n");
        }

        // Epoch ticks: point i is epoch i + 1; about ten labels whatever the number of epochs.
        int every = Math.Max(1, (int)Math.Ceiling(maxLen / 10.0));
        for (int i = 0; i < maxLen; i++)
        {
            double x = left + (i / (double)(maxLen - 1) * plotW);
            bool labelled = (i + 1) % every == 0 || i == 0;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{top + plotH}\" x2=\"{x:0.#}\" y2=\"{top + plotH + (labelled ? 6 : 3)}\" stroke=\"#555\"/>\n");
            if (labelled)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{top + plotH + 19}\" text-anchor=\"middle\">{i + 1}</text>\n");
            }
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#555\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (plotW / 2)}\" y=\"{height - 12}\" text-anchor=\"middle\">epoch</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"18\" y=\"{top + (plotH / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {top + (plotH / 2)})\">training loss</text>\n");
        for (int s = 0; s < series.Count; s++)
        {
            string color = Colors[s % Colors.Length];
            var points = new StringBuilder();
            IReadOnlyList<double> values = series[s].Values;
            for (int i = 0; i < values.Count; i++)
            {
                double v = Math.Max(values[i], Math.Pow(10, lo));
                double x = left + (i / (double)(maxLen - 1) * plotW);
                double y = top + plotH - ((Math.Log10(v) - lo) / (hi - lo) * plotH);
                points.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{width - right + 15}\" y=\"{top + (s * 20)}\" width=\"12\" height=\"12\" fill=\"{color}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right + 33}\" y=\"{top + (s * 20) + 10}\">{Escape(series[s].Name)}</text>\n");
        }

        for (int r = 0; r < references.Count; r++)
        {
            double y = top + plotH - ((Math.Log10(references[r].Value) - lo) / (hi - lo) * plotH);
            int row = series.Count + r;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{left + plotW}\" y2=\"{y:0.#}\" stroke=\"#444\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{width - right + 15}\" y1=\"{top + (row * 20) + 6}\" x2=\"{width - right + 27}\" y2=\"{top + (row * 20) + 6}\" stroke=\"#444\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right + 33}\" y=\"{top + (row * 20) + 10}\">{Escape(references[r].Name)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

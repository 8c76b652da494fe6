package io.nodedaemon.ops;

import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.yaml.snakeyaml.DumperOptions;

/**
 * A YAML writer that double-quotes every one-line value of a label, annotation, matchLabels or
 * nodeSelector map. With minimised quotes a string that looks like a number, a boolean or a date
 * (the CSV's {@code prometheus.io/port: "8080"}) would otherwise be written bare and read back as a
 * number, which the API server refuses in a map of strings (issue 10, defect 12).
 */
final class LabelQuotingYAMLFactory extends YAMLFactory {
  private static final long serialVersionUID = 1L;

  @Override
  protected YAMLGenerator _createGenerator(Writer out, IOContext ctxt) throws IOException {
    return new Generator(
        ctxt,
        _generatorFeatures,
        _yamlGeneratorFeatures,
        _quotingChecker,
        _objectCodec,
        out,
        _version);
  }

  @Override
  protected YAMLGenerator _createUTF8Generator(OutputStream out, IOContext ctxt)
      throws IOException {
    return _createGenerator(new OutputStreamWriter(out, StandardCharsets.UTF_8), ctxt);
  }

  /**
   * Whether a string written in {@code context} (the object it is a field of) is a label-like
   * value.
   */
  static boolean inStringMap(JsonStreamContext context) {
    if (context == null || !context.inObject() || context.getParent() == null) {
      return false;
    }
    String map = context.getParent().getCurrentName();
    JsonStreamContext owner = context.getParent().getParent();
    String ownerName = owner == null ? null : owner.getCurrentName();
    if ("labels".equals(map) || "annotations".equals(map)) {
      // Object metadata, not a CRD schema's "properties: {labels: ...}".
      return "metadata".equals(ownerName);
    }
    return ("matchLabels".equals(map) || "nodeSelector".equals(map))
        && !"properties".equals(ownerName);
  }

  private static final class Generator extends YAMLGenerator {
    Generator(
        IOContext ctxt,
        int jsonFeatures,
        int yamlFeatures,
        StringQuotingChecker quotingChecker,
        com.fasterxml.jackson.core.ObjectCodec codec,
        Writer out,
        DumperOptions.Version version)
        throws IOException {
      super(ctxt, jsonFeatures, yamlFeatures, quotingChecker, codec, out, version);
    }

    @Override
    public void writeString(String text) throws IOException {
      // A multi-line value (alm-examples) stays a literal block, which is always a string.
      if (text != null && text.indexOf('\n') < 0 && inStringMap(getOutputContext())) {
        _verifyValueWrite("write String value");
        _writeScalar(text, "string", DumperOptions.ScalarStyle.DOUBLE_QUOTED);
        return;
      }
      super.writeString(text);
    }
  }
}
